namespace Strait.Wire;

/// <summary>Who decided a call's <see cref="GrpcStatus"/>; lets the gateway tell an upstream's answer from a failure to get one.</summary>
internal enum StatusOrigin
{
    /// <summary>The upstream sent <c>grpc-status</c>: a genuine gRPC outcome.</summary>
    Backend,

    /// <summary>
    /// No gRPC answer could be had: connection refused or reset, name resolution, TLS failure, HTTP/2 stream reset
    /// (code per the RST_STREAM mapping, usually <see cref="GrpcStatusCode.Unavailable"/>).
    /// </summary>
    Transport,

    /// <summary>
    /// The peer answered, but not with valid gRPC: non-200 HTTP status, non-gRPC content type, malformed or oversized
    /// frame, missing <c>grpc-status</c>, wrong message count. A gateway reports these as 502.
    /// </summary>
    Protocol,

    /// <summary>This side ended the call: deadline expired, caller cancelled, or the request message exceeded the send limit.</summary>
    Local,

    /// <summary>
    /// The gateway ended the call because of what its client sent or did: an invalid or oversized stream message, an
    /// idle stream, a broken-off request stream. Like <see cref="Local"/> it says nothing about the upstream, but its
    /// message is written for that client and is shown to it.
    /// </summary>
    Edge,
}
