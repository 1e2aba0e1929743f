using Strait.Errors;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>Whether, and how far, a request may be sent more than once.</summary>
internal enum RepeatSafety
{
    /// <summary>Only if it never reached a server (a transparent retry).</summary>
    Never,

    /// <summary>
    /// The client sent an Idempotency-Key, which is forwarded for the backend to recognise a repeat: retried after
    /// an answer that says it was not done (a retryable code from the backend), but never hedged and never cut short
    /// by a per-try timeout, since two attempts must not run at once.
    /// </summary>
    Keyed,

    /// <summary>The route is idempotent (verb, proto <c>idempotency_level</c>, or configuration): retried and hedged.</summary>
    Idempotent,
}

/// <summary>One unary call as the edge hands it to the upstream: what to send, where it may go, and by when.</summary>
internal readonly record struct UnaryCallRequest(
    string Path,
    ReadOnlyMemory<byte> Message,
    GrpcMetadata Metadata,
    DateTime DeadlineUtc,
    ulong? AffinityHash,
    RepeatSafety Safety);

/// <summary>
/// The outcome of a call after every attempt: the committed attempt's result, or the problem that kept the call from
/// being sent (no endpoint, cluster at its caps). Dispose it to return the result's buffer.
/// </summary>
internal sealed class UnaryCallOutcome : IDisposable
{
    private UnaryCallOutcome(UnaryResult? result, Problem? rejection, int attempts)
    {
        Result = result;
        Rejection = rejection;
        Attempts = attempts;
    }

    public UnaryResult? Result { get; }

    public Problem? Rejection { get; }

    /// <summary>Attempts sent, transparent retries included.</summary>
    public int Attempts { get; }

    internal static UnaryCallOutcome Committed(UnaryResult result, int attempts) => new(result, null, attempts);

    internal static UnaryCallOutcome Rejected(Problem problem, int attempts) => new(null, problem, attempts);

    public void Dispose() => Result?.Dispose();
}
