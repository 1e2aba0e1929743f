namespace Strait.Upstream;

/// <summary>
/// Caps a cluster's retries and hedges at a fraction of its calls, so a failing backend gets at most
/// (1 + ratio) times its normal load rather than maxAttempts times. Every call deposits <c>ratio</c> of a token, every
/// retry or hedge withdraws one; deposits count for one window, and a reserve of <c>minRetriesPerSecond</c> lets a
/// quiet cluster retry at all. Finagle's RetryBudget, which bounds amplification however many attempts a policy allows.
/// </summary>
internal sealed class RetryBudget
{
    // Fixed point, in thousandths of a token: a sum of many 0.2s must come to exactly one token per five calls.
    private const long Token = 1000;

    private readonly long deposit;
    private readonly long reserve;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly long[] slotSecond;
    private readonly long[] deposits;
    private readonly int[] withdrawals;
    private long retries;
    private long exhausted;

    public RetryBudget(double ratio, int minRetriesPerSecond, TimeSpan window, TimeProvider? time = null)
    {
        deposit = (long)Math.Round(ratio * Token);
        this.time = time ?? TimeProvider.System;
        var seconds = Math.Max(1, (int)Math.Ceiling(window.TotalSeconds));
        reserve = minRetriesPerSecond * seconds * Token;
        slotSecond = new long[seconds];
        deposits = new long[seconds];
        withdrawals = new int[seconds];
        Array.Fill(slotSecond, long.MinValue);
    }

    /// <summary>Retries and hedges the budget allowed.</summary>
    public long Retries => Interlocked.Read(ref retries);

    /// <summary>Retries and hedges refused because the budget was spent.</summary>
    public long Exhausted => Interlocked.Read(ref exhausted);

    /// <summary>Counts one call (not a retry) towards the budget.</summary>
    public void Deposit()
    {
        lock (gate)
        {
            deposits[Slot()] += deposit;
        }
    }

    /// <summary>Takes a token for one retry or hedge; false (and counted) when none is left.</summary>
    public bool TryWithdraw()
    {
        lock (gate)
        {
            var current = Slot();
            var balance = reserve;
            for (var i = 0; i < deposits.Length; i++)
            {
                balance += deposits[i] - (withdrawals[i] * Token);
            }

            if (balance < Token)
            {
                exhausted++;
                return false;
            }

            withdrawals[current]++;
            retries++;
            return true;
        }
    }

    /// <summary>The slot of the current second, emptied first if it last held an older second; expired slots are emptied too.</summary>
    private int Slot()
    {
        var second = time.GetUtcNow().UtcTicks / TimeSpan.TicksPerSecond;
        var index = (int)(second % slotSecond.Length);
        if (slotSecond[index] != second)
        {
            for (var i = 0; i < slotSecond.Length; i++)
            {
                if (slotSecond[i] <= second - slotSecond.Length)
                {
                    slotSecond[i] = long.MinValue;
                    deposits[i] = 0;
                    withdrawals[i] = 0;
                }
            }

            slotSecond[index] = second;
            deposits[index] = 0;
            withdrawals[index] = 0;
        }

        return index;
    }
}
