namespace Strait.Wire;

/// <summary>The immutable outcome of a gRPC call.</summary>
internal sealed class GrpcStatus
{
    /// <summary>A successful status as sent by a backend.</summary>
    public static readonly GrpcStatus Ok = new(GrpcStatusCode.Ok);

    /// <summary>Creates a status.</summary>
    /// <param name="code">The status code.</param>
    /// <param name="message">The human readable message; <see langword="null"/> becomes empty.</param>
    /// <param name="details">The rich error model carried in <c>grpc-status-details-bin</c>, if any.</param>
    /// <param name="origin">Who decided the status.</param>
    /// <param name="debugException">
    /// The exception behind a <see cref="StatusOrigin.Transport"/> or <see cref="StatusOrigin.Protocol"/> failure,
    /// for logs only: its text never goes into <see cref="Message"/>.
    /// </param>
    public GrpcStatus(
        GrpcStatusCode code,
        string? message = null,
        Google.Rpc.Status? details = null,
        StatusOrigin origin = StatusOrigin.Backend,
        Exception? debugException = null)
    {
        Code = code;
        Message = message ?? string.Empty;
        Details = details;
        Origin = origin;
        DebugException = debugException;
    }

    public GrpcStatusCode Code { get; }

    /// <summary>The status message, already percent-decoded; may be empty.</summary>
    public string Message { get; }

    /// <summary>
    /// The parsed <c>grpc-status-details-bin</c> trailer; <see langword="null"/> when absent or unparseable.
    /// Treat it as read-only: the instance is shared with whoever holds this status.
    /// </summary>
    public Google.Rpc.Status? Details { get; }

    public StatusOrigin Origin { get; }

    /// <summary>The exception behind a client-side failure, for logging. Never shown to callers.</summary>
    public Exception? DebugException { get; }

    /// <summary>
    /// The upstream certainly did not process the request: the connection could not be made, or the server refused
    /// the stream (REFUSED_STREAM). Sending it again is safe whatever the method does.
    /// </summary>
    public bool RequestNotProcessed { get; init; }

    /// <summary>
    /// The server's <c>grpc-retry-pushback-ms</c>: wait this long before retrying. A negative value means the server
    /// asked not to be retried (A6: a negative or unparseable pushback); null when absent.
    /// </summary>
    public int? PushbackMilliseconds { get; init; }

    public override string ToString() =>
        Message.Length == 0 ? $"{Code.ToCanonicalName()} ({Origin})" : $"{Code.ToCanonicalName()} ({Origin}): {Message}";
}
