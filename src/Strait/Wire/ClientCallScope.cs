namespace Strait.Wire;

/// <summary>
/// The cancellation of one client call: the caller's token, the local deadline timer and, for streaming calls, an
/// abort switch. Tells afterwards which of them ended the call.
/// </summary>
internal sealed class ClientCallScope : IDisposable
{
    // CancellationTokenSource timers are limited to about 49 days; later deadlines are left to the server.
    private static readonly TimeSpan MaxLocalTimer = TimeSpan.FromDays(30);

    private readonly CancellationToken callerToken;
    private readonly CancellationTokenSource? deadlineSource;
    private readonly CancellationTokenSource? linkedSource;
    private readonly DateTime? deadlineUtc;

    private ClientCallScope(DateTime? deadlineUtc, CancellationToken callerToken, bool abortable)
    {
        this.callerToken = callerToken;
        this.deadlineUtc = deadlineUtc;
        if (deadlineUtc is { } deadline && deadline - DateTime.UtcNow is var remaining && remaining <= MaxLocalTimer)
        {
            deadlineSource = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        if (deadlineSource is not null || abortable)
        {
            linkedSource = deadlineSource is null
                ? CancellationTokenSource.CreateLinkedTokenSource(callerToken)
                : CancellationTokenSource.CreateLinkedTokenSource(callerToken, deadlineSource.Token);
        }

        Token = linkedSource?.Token ?? callerToken;
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
        if (deadlineUtc is not { } deadline)
        {
            return true;
        }

        var left = deadline - DateTime.UtcNow;
        remaining = left;
        return left > TimeSpan.Zero;
    }

    /// <summary>Stops the call; only valid for abortable scopes.</summary>
    public void Abort() => linkedSource!.Cancel();

    /// <summary>The status for a call stopped by this scope, or <see langword="null"/> if nothing here stopped it.</summary>
    public GrpcStatus? GetLocalOutcome()
    {
        if (callerToken.IsCancellationRequested)
        {
            return new GrpcStatus(GrpcStatusCode.Cancelled, "The call was cancelled by the caller.", origin: StatusOrigin.Local);
        }

        if (deadlineSource?.IsCancellationRequested == true || IsPastDeadline())
        {
            return DeadlineExceeded();
        }

        return linkedSource?.IsCancellationRequested == true
            ? new GrpcStatus(GrpcStatusCode.Cancelled, "The call was cancelled.", origin: StatusOrigin.Local)
            : null;
    }

    public static GrpcStatus DeadlineExceeded() =>
        new(GrpcStatusCode.DeadlineExceeded, "The deadline expired before the call completed.", origin: StatusOrigin.Local);

    public void Dispose()
    {
        linkedSource?.Dispose();
        deadlineSource?.Dispose();
    }

    private bool IsPastDeadline() => deadlineUtc is { } deadline && DateTime.UtcNow >= deadline;
}
