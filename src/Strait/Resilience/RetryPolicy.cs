using Strait.Wire;

namespace Strait.Resilience;

/// <summary>A route's retry policy, checked and frozen (gRPC A6 <c>retryPolicy</c>).</summary>
internal sealed class RetryPolicy
{
    public RetryPolicy(int maxAttempts, TimeSpan initialBackoff, TimeSpan maxBackoff, double multiplier, GrpcStatusCodeSet retryable, GrpcStatusCodeSet pushbackOnly, TimeSpan? perTryTimeout)
    {
        MaxAttempts = maxAttempts;
        InitialBackoff = initialBackoff;
        MaxBackoff = maxBackoff;
        Multiplier = multiplier;
        Retryable = retryable;
        PushbackOnly = pushbackOnly;
        PerTryTimeout = perTryTimeout;
    }

    public int MaxAttempts { get; }

    public TimeSpan InitialBackoff { get; }

    public TimeSpan MaxBackoff { get; }

    public double Multiplier { get; }

    public GrpcStatusCodeSet Retryable { get; }

    public GrpcStatusCodeSet PushbackOnly { get; }

    public TimeSpan? PerTryTimeout { get; }

    /// <summary>
    /// The wait before retry number <paramref name="retry"/> (1 for the first): full jitter, a uniform draw from zero
    /// to the capped exponential, so that callers that failed together do not come back together.
    /// </summary>
    public TimeSpan Backoff(int retry, double uniform)
    {
        var ceiling = InitialBackoff.Ticks * Math.Pow(Multiplier, retry - 1);
        var capped = Math.Min(ceiling, MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)(capped * uniform));
    }
}

/// <summary>A route's hedging policy, checked and frozen (gRPC A6 <c>hedgingPolicy</c>).</summary>
internal sealed record HedgingPolicy(int MaxAttempts, TimeSpan Delay, GrpcStatusCodeSet NonFatal);

/// <summary>Idempotency-Key replay for a route, checked and frozen.</summary>
internal sealed class ReplayPolicy
{
    internal ReplayPolicy(TimeSpan ttl, TimeSpan waitForInFlight, ClientPartition scope)
    {
        Ttl = ttl;
        WaitForInFlight = waitForInFlight;
        Scope = scope;
    }

    public TimeSpan Ttl { get; }

    public TimeSpan WaitForInFlight { get; }

    internal ClientPartition Scope { get; }
}
