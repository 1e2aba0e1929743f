using Microsoft.AspNetCore.Http;
using Strait.Resilience;

namespace Strait.Tests.Resilience;

public sealed class DeadlineResolverTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Grpc_timeout_wins_over_the_rest_header_which_wins_over_the_default()
    {
        var policy = Policy(timeout: TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(2), Resolve(policy, ("grpc-timeout", "2S"), ("X-Request-Timeout", "3s")));
        Assert.Equal(TimeSpan.FromSeconds(3), Resolve(policy, ("X-Request-Timeout", "3s")));
        Assert.Equal(TimeSpan.FromSeconds(5), Resolve(policy));
        Assert.Equal(TimeSpan.FromSeconds(30), Resolve(Policy(timeout: null)));
    }

    [Fact]
    public void Client_timeouts_are_reduced_by_the_offset_and_every_timeout_is_capped()
    {
        var policy = Policy(timeout: TimeSpan.FromSeconds(5), maxTimeout: TimeSpan.FromSeconds(10), offset: TimeSpan.FromMilliseconds(300));
        Assert.Equal(TimeSpan.FromMilliseconds(1700), Resolve(policy, ("grpc-timeout", "2000m")));
        Assert.Equal(TimeSpan.FromSeconds(10), Resolve(policy, ("grpc-timeout", "1H")));
        Assert.Equal(TimeSpan.FromSeconds(5), Resolve(policy));
        Assert.Equal(TimeSpan.Zero, Resolve(policy, ("X-Request-Timeout", "100ms")));
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("2s", 2000)]
    [InlineData("1.5", 1500)]
    [InlineData(" 1m ", 60_000)]
    [InlineData("0.5S", 500)]
    public void Rest_timeouts_are_durations(string text, int milliseconds)
    {
        Assert.True(DeadlineResolver.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-1s")]
    [InlineData("0")]
    [InlineData("1e3")]
    [InlineData("2h")]
    [InlineData("ms")]
    [InlineData("99999999")]
    public void Malformed_rest_timeouts_are_refused(string text) =>
        Assert.False(DeadlineResolver.TryParseDuration(text, out _));

    [Fact]
    public void A_malformed_header_is_a_400_naming_it()
    {
        var headers = new HeaderDictionary { ["grpc-timeout"] = "10 seconds" };
        var problem = DeadlineResolver.Resolve(headers, Policy(null), TimeSpan.FromSeconds(30), "X-Request-Timeout", Now, out _);
        Assert.NotNull(problem);
        Assert.Equal(400, problem.Status);
        Assert.Equal("grpc-timeout", problem.Errors.Single().Field);
    }

    private static TimeSpan Resolve(CallPolicy policy, params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        Assert.Null(DeadlineResolver.Resolve(dictionary, policy, TimeSpan.FromSeconds(30), "X-Request-Timeout", Now, out var deadline));
        return deadline - Now;
    }

    private static CallPolicy Policy(TimeSpan? timeout, TimeSpan? maxTimeout = null, TimeSpan? offset = null) =>
        new("test", timeout, maxTimeout ?? TimeSpan.FromMinutes(5), offset ?? TimeSpan.Zero, null, null, null, null);
}
