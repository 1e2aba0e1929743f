using Strait.Upstream;

namespace Strait.Tests.Resilience;

public sealed class RetryBudgetTests
{
    [Fact]
    public void Retries_are_capped_at_the_ratio_of_calls()
    {
        var time = new ManualTime();
        var budget = new RetryBudget(0.2, minRetriesPerSecond: 0, TimeSpan.FromSeconds(10), time);
        for (var i = 0; i < 100; i++)
        {
            budget.Deposit();
        }

        var allowed = 0;
        while (budget.TryWithdraw())
        {
            allowed++;
        }

        Assert.Equal(20, allowed);
        Assert.Equal(20, budget.Retries);
        Assert.Equal(1, budget.Exhausted);
        Assert.False(budget.TryWithdraw());
        Assert.Equal(2, budget.Exhausted);
    }

    [Fact]
    public void Deposits_expire_after_the_window_and_the_reserve_refills()
    {
        var time = new ManualTime();
        var budget = new RetryBudget(0.5, minRetriesPerSecond: 1, TimeSpan.FromSeconds(3), time);
        for (var i = 0; i < 10; i++)
        {
            budget.Deposit();
        }

        // 10 × 0.5 deposited plus a reserve of 1/s × 3 s.
        Assert.Equal(8, Drain(budget));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, Drain(budget));

        // The deposits and withdrawals of the first second have left the window; the reserve is whole again.
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(3, Drain(budget));
    }

    [Fact]
    public void A_quiet_cluster_may_retry_at_the_minimum_rate()
    {
        var budget = new RetryBudget(0.2, minRetriesPerSecond: 10, TimeSpan.FromSeconds(10), new ManualTime());
        Assert.Equal(100, Drain(budget));
    }

    private static int Drain(RetryBudget budget)
    {
        var allowed = 0;
        while (budget.TryWithdraw())
        {
            allowed++;
        }

        return allowed;
    }
}
