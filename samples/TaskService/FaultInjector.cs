using System.Globalization;
using Google.Rpc;

namespace Strait.Samples.TaskService;

/// <summary>
/// Applies <see cref="FaultInjection"/> and the per-call fault headers. Safe for concurrent calls: the
/// fail-first counter is decremented atomically and jitter comes from the thread-safe <see cref="Random.Shared"/>.
/// </summary>
internal sealed class FaultInjector
{
    private readonly FaultInjection options;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim? workers;
    private int remainingFailures;

    // -1: no forced failure; otherwise the code every call fails with.
    private int forcedCode = -1;

    public FaultInjector(FaultInjection options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        this.options = options;
        this.time = time;
        remainingFailures = options.FailFirstCalls;
        workers = options.MaxConcurrency > 0 ? new SemaphoreSlim(options.MaxConcurrency) : null;
    }

    /// <summary>
    /// Waits the injected delay (honouring <paramref name="cancellationToken"/>), then throws a
    /// <see cref="TaskServiceException"/> if this call is meant to fail. A failure requested by header does not use
    /// up one of the configured first failures.
    /// </summary>
    public async Task ApplyAsync(CallerInfo caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var headerDelay = ReadDelayHeader(caller);
        var headerCode = ReadFailCodeHeader(caller);

        var delay = options.Latency + (options.LatencyJitter * Random.Shared.NextDouble()) + headerDelay;
        if (options.TailRate > 0 && Random.Shared.NextDouble() < options.TailRate)
        {
            delay += options.TailLatency;
        }

        if (workers is not null)
        {
            await workers.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            workers?.Release();
        }

        if (headerCode is { } code)
        {
            throw TaskErrors.InjectedFault(code, FaultHeaders.FailCode);
        }

        if (Volatile.Read(ref forcedCode) is var forced and >= 0)
        {
            // A plain failure, as a crashed dependency gives: no RetryInfo asking callers to wait before trying again.
            throw TaskErrors.InjectedFault((Code)forced, "fail command", withRetryInfo: false);
        }

        if (TryTakeFirstFailure())
        {
            throw TaskErrors.InjectedFault(options.ErrorCode, "fail-first-calls");
        }

        if (options.ErrorRate > 0 && Random.Shared.NextDouble() < options.ErrorRate)
        {
            throw TaskErrors.InjectedFault(options.ErrorCode, "error-rate");
        }
    }

    /// <summary>Makes every call fail with <paramref name="code"/> (after its delay); null ends it.</summary>
    public void FailEveryCall(Code? code)
    {
        if (code == Code.Ok)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "Must be a gRPC error code.");
        }

        Volatile.Write(ref forcedCode, code is { } value ? (int)value : -1);
    }

    private bool TryTakeFirstFailure()
    {
        // Reading first keeps the counter from drifting towards int.MinValue on a long-running server.
        return Volatile.Read(ref remainingFailures) > 0 && Interlocked.Decrement(ref remainingFailures) >= 0;
    }

    private static TimeSpan ReadDelayHeader(CallerInfo caller)
    {
        if (!caller.Headers.TryGetValue(FaultHeaders.Delay, out var text))
        {
            return TimeSpan.Zero;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            || milliseconds > FaultHeaders.MaxDelayMilliseconds)
        {
            throw TaskErrors.InvalidFaultHeader(FaultHeaders.Delay, $"must be a whole number of milliseconds from 0 to {FaultHeaders.MaxDelayMilliseconds}");
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    private static Code? ReadFailCodeHeader(CallerInfo caller)
    {
        if (!caller.Headers.TryGetValue(FaultHeaders.FailCode, out var text))
        {
            return null;
        }

        return RpcCodes.TryParseError(text, out var code)
            ? code
            : throw TaskErrors.InvalidFaultHeader(FaultHeaders.FailCode, "must name a gRPC error code, e.g. UNAVAILABLE or 14");
    }
}
