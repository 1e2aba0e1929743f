using Strait.Errors;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>One unary call as the edge hands it to the upstream: what to send, where it may go, and by when.</summary>
/// <param name="Idempotent">Whether the request may be sent more than once (the route's verdict, or an Idempotency-Key).</param>
public readonly record struct UnaryCallRequest(
    string Path,
    ReadOnlyMemory<byte> Message,
    GrpcMetadata Metadata,
    DateTime DeadlineUtc,
    ulong? AffinityHash,
    bool Idempotent);

/// <summary>
/// The outcome of a call after every attempt: the committed attempt's result, or the problem that kept the call from
/// being sent (no endpoint, cluster at its caps). Dispose it to return the result's buffer.
/// </summary>
public sealed class UnaryCallOutcome : IDisposable
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
