namespace Strait.Resilience;

/// <summary>What happens around one route's calls: how long they may take, and whether and how they are sent again.</summary>
internal sealed class CallPolicy
{
    public CallPolicy(string name, TimeSpan? timeout, TimeSpan maxTimeout, TimeSpan deadlineOffset, bool? idempotent, RetryPolicy? retry, HedgingPolicy? hedging, ReplayPolicy? replay)
    {
        Name = name;
        Timeout = timeout;
        MaxTimeout = maxTimeout;
        DeadlineOffset = deadlineOffset;
        Idempotent = idempotent;
        Retry = retry;
        Hedging = hedging;
        Replay = replay;
    }

    /// <summary><c>default</c>, or the name of the <c>resilience.policies</c> entry.</summary>
    public string Name { get; }

    /// <summary>Deadline of calls whose client states none; null: the cluster's <c>timeout</c>.</summary>
    public TimeSpan? Timeout { get; }

    public TimeSpan MaxTimeout { get; }

    public TimeSpan DeadlineOffset { get; }

    /// <summary>Configured idempotency; null: from the HTTP verb and the proto's <c>idempotency_level</c>.</summary>
    public bool? Idempotent { get; }

    /// <summary>Null when retries are off or the policy hedges.</summary>
    public RetryPolicy? Retry { get; }

    public HedgingPolicy? Hedging { get; }

    public ReplayPolicy? Replay { get; }
}

/// <summary>The policy of one route, with what the route itself says about being safe to repeat.</summary>
internal sealed record RouteCallPolicy(CallPolicy Policy, bool Idempotent);
