namespace Strait.Wire;

/// <summary>
/// Fails a gRPC call with a specific status. Server handlers throw it to answer with <see cref="Status"/> (its message and
/// details are sent to the client, so keep them free of internals) plus <see cref="Trailers"/>; the wire layer throws it
/// for protocol violations detected while framing.
/// </summary>
internal sealed class GrpcException : Exception
{
    public GrpcException()
        : this(new GrpcStatus(GrpcStatusCode.Unknown))
    {
    }

    public GrpcException(string message)
        : this(new GrpcStatus(GrpcStatusCode.Unknown, message))
    {
    }

    public GrpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new GrpcStatus(GrpcStatusCode.Unknown, message);
    }

    public GrpcException(GrpcStatusCode code, string message)
        : this(new GrpcStatus(code, message))
    {
    }

    public GrpcException(GrpcStatus status, GrpcMetadata? trailers = null)
        : base(status?.ToString())
    {
        ArgumentNullException.ThrowIfNull(status);
        Status = status;
        Trailers = trailers;
    }

    public GrpcStatus Status { get; }

    /// <summary>Extra trailers to send with the status, or <see langword="null"/>.</summary>
    public GrpcMetadata? Trailers { get; }
}
