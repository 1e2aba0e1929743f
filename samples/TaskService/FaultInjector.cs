using System.Globalization;
using Google.Rpc;

namespace Strait.Samples.TaskService;

/// <summary>
/// Applies <see cref="FaultInjection"/> and the per-call fault headers. Safe for concurrent calls: the
/// fail-first counter is decremented atomically and jitter comes from the thread-safe <see cref="Random.Shared"/>.
/// </summary>
internal sealed class FaultInjector
{
    private readonly FaultInjection _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim? _workers;
    private int _remainingFailures;

    // -1: no forced failure; otherwise the code every call fails with.
    private int _forcedCode = -1;

    public FaultInjector(FaultInjection options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _remainingFailures = options.FailFirstCalls;
        _workers = options.MaxConcurrency > 0 ? new SemaphoreSlim(options.MaxConcurrency) : null;
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

        var delay = _options.Latency + (_options.LatencyJitter * Random.Shared.NextDouble()) + headerDelay;
        if (_options.TailRate > 0 && Random.Shared.NextDouble() < _options.TailRate)
        {
            delay += _options.TailLatency;
        }

        if (_workers is not null)
        {
            await _workers.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _workers?.Release();
        }

        if (headerCode is { } code)
        {
            throw TaskErrors.InjectedFault(code, FaultHeaders.FailCode);
        }

        if (Volatile.Read(ref _forcedCode) is var forced and >= 0)
        {
            // A plain failure, as a crashed dependency gives: no RetryInfo asking callers to wait before trying again.
            throw TaskErrors.InjectedFault((Code)forced, "fail command", withRetryInfo: false);
        }

        if (TryTakeFirstFailure())
        {
            throw TaskErrors.InjectedFault(_options.ErrorCode, "fail-first-calls");
        }

        if (_options.ErrorRate > 0 && Random.Shared.NextDouble() < _options.ErrorRate)
        {
            throw TaskErrors.InjectedFault(_options.ErrorCode, "error-rate");
        }
    }

    /// <summary>Makes every call fail with <paramref name="code"/> (after its delay); null ends it.</summary>
    public void FailEveryCall(Code? code)
    {
        if (code == Code.Ok)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "Must be a gRPC error code.");
        }

        Volatile.Write(ref _forcedCode, code is { } value ? (int)value : -1);
    }

    private bool TryTakeFirstFailure()
    {
        // Reading first keeps the counter from drifting towards int.MinValue on a long-running server.
        return Volatile.Read(ref _remainingFailures) > 0 && Interlocked.Decrement(ref _remainingFailures) >= 0;
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
