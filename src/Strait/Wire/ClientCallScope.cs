namespace Strait.Wire;

/// <summary>
/// The cancellation of one client call: the caller's token, the local deadline timer and, for streaming calls, an
/// abort switch. Tells afterwards which of them ended the call.
/// </summary>
internal sealed class ClientCallScope : IDisposable
{
    // CancellationTokenSource timers are limited to about 49 days; later deadlines are left to the server.
    private static readonly TimeSpan s_maxLocalTimer = TimeSpan.FromDays(30);

    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource? _deadlineSource;
    private readonly CancellationTokenSource? _linkedSource;
    private readonly DateTime? _deadlineUtc;

    private ClientCallScope(DateTime? deadlineUtc, CancellationToken callerToken, bool abortable)
    {
        _callerToken = callerToken;
        _deadlineUtc = deadlineUtc;
        if (deadlineUtc is { } deadline && deadline - DateTime.UtcNow is var remaining && remaining <= s_maxLocalTimer)
        {
            _deadlineSource = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        if (_deadlineSource is not null || abortable)
        {
            _linkedSource = _deadlineSource is null
                ? CancellationTokenSource.CreateLinkedTokenSource(callerToken)
                : CancellationTokenSource.CreateLinkedTokenSource(callerToken, _deadlineSource.Token);
        }

        Token = _linkedSource?.Token ?? callerToken;
    }

    /// <summary>Cancelled when the call must stop for any local reason.</summary>
    public CancellationToken Token { get; }

    /// <summary>
    /// Starts a scope. <paramref name="deadlineUtc"/> of <see langword="null"/> or <see cref="DateTime.MaxValue"/>
    /// means no deadline; <paramref name="abortable"/> adds the switch used by <see cref="Abort"/>.
    /// </summary>
    public static ClientCallScope Start(DateTime? deadlineUtc, CancellationToken callerToken, bool abortable)
    {
        DateTime? deadline = deadlineUtc is { } value && value != DateTime.MaxValue
            ? (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value)
            : null;
        return new ClientCallScope(deadline, callerToken, abortable);
    }

    /// <summary>The <c>grpc-timeout</c> to send, or <see langword="null"/> without deadline.</summary>
    /// <returns><see langword="false"/> when the deadline has already passed.</returns>
    public bool TryGetRemainingTime(out TimeSpan? remaining)
    {
        remaining = null;
        if (_deadlineUtc is not { } deadline)
        {
            return true;
        }

        var left = deadline - DateTime.UtcNow;
        remaining = left;
        return left > TimeSpan.Zero;
    }

    /// <summary>Stops the call; only valid for abortable scopes.</summary>
    public void Abort() => _linkedSource!.Cancel();

    /// <summary>The status for a call stopped by this scope, or <see langword="null"/> if nothing here stopped it.</summary>
    public GrpcStatus? GetLocalOutcome()
    {
        if (_callerToken.IsCancellationRequested)
        {
            return new GrpcStatus(GrpcStatusCode.Cancelled, "The call was cancelled by the caller.", origin: StatusOrigin.Local);
        }

        if (_deadlineSource?.IsCancellationRequested == true || IsPastDeadline())
        {
            return DeadlineExceeded();
        }

        return _linkedSource?.IsCancellationRequested == true
            ? new GrpcStatus(GrpcStatusCode.Cancelled, "The call was cancelled.", origin: StatusOrigin.Local)
            : null;
    }

    public static GrpcStatus DeadlineExceeded() =>
        new(GrpcStatusCode.DeadlineExceeded, "The deadline expired before the call completed.", origin: StatusOrigin.Local);

    public void Dispose()
    {
        _linkedSource?.Dispose();
        _deadlineSource?.Dispose();
    }

    private bool IsPastDeadline() => _deadlineUtc is { } deadline && DateTime.UtcNow >= deadline;
}
