using Google.Rpc;

namespace Strait.Samples.TaskService;

/// <summary>
/// Service-wide faults for resilience tests, applied to every call before the service logic runs: first the delay
/// (<see cref="Latency"/> plus up to <see cref="LatencyJitter"/>), then a failure with <see cref="ErrorCode"/> for
/// each of the first <see cref="FailFirstCalls"/> calls and afterwards with probability <see cref="ErrorRate"/>.
/// Per-call headers (<see cref="FaultHeaders"/>) add to these.
/// </summary>
internal sealed record FaultInjection
{
    /// <summary>No faults: the default.</summary>
    public static FaultInjection None { get; } = new();

    /// <summary>Delay added to every call.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Upper bound of a uniformly distributed extra delay per call.</summary>
    public TimeSpan LatencyJitter { get; init; }

    /// <summary>Probability, from 0 to 1, that a call is slow: it waits <see cref="TailLatency"/> more (a slow tail).</summary>
    public double TailRate { get; init; }

    /// <summary>The extra delay of the calls <see cref="TailRate"/> picks.</summary>
    public TimeSpan TailLatency { get; init; }

    /// <summary>Probability, from 0 to 1, that a call fails with <see cref="ErrorCode"/>.</summary>
    public double ErrorRate { get; init; }

    /// <summary>The number of calls, counted from construction, that fail with <see cref="ErrorCode"/>.</summary>
    public int FailFirstCalls { get; init; }

    /// <summary>
    /// Calls served at once, like a backend with this many workers: the injected delay holds a worker, further calls
    /// wait for one. 0 (default) means no limit. Lets a benchmark show what spreading calls over replicas buys.
    /// </summary>
    public int MaxConcurrency { get; init; }

    /// <summary>The status of configured failures; UNAVAILABLE, the classic retryable error, unless set.</summary>
    public Code ErrorCode { get; init; } = Code.Unavailable;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Latency, TimeSpan.Zero, nameof(Latency));
        ArgumentOutOfRangeException.ThrowIfLessThan(LatencyJitter, TimeSpan.Zero, nameof(LatencyJitter));
        if (ErrorRate is < 0 or > 1 || double.IsNaN(ErrorRate))
        {
            throw new ArgumentOutOfRangeException(nameof(ErrorRate), ErrorRate, "Must be between 0 and 1.");
        }

        if (TailRate is < 0 or > 1 || double.IsNaN(TailRate))
        {
            throw new ArgumentOutOfRangeException(nameof(TailRate), TailRate, "Must be between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(TailLatency, TimeSpan.Zero, nameof(TailLatency));
        ArgumentOutOfRangeException.ThrowIfNegative(FailFirstCalls, nameof(FailFirstCalls));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxConcurrency, nameof(MaxConcurrency));
        if (ErrorCode == Code.Ok || !Enum.IsDefined(ErrorCode))
        {
            throw new ArgumentOutOfRangeException(nameof(ErrorCode), ErrorCode, "Must be a gRPC error code.");
        }
    }
}
