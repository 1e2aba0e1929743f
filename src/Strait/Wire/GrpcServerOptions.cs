namespace Strait.Wire;

/// <summary>
/// Settings of the gRPC server endpoints. A host that maps services (the samples' <c>MapGrpcService</c>) uses the
/// instance registered in the service provider, or the defaults.
/// </summary>
internal sealed class GrpcServerOptions
{
    /// <summary>The largest request message accepted, compressed and decompressed. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcFrameReader.DefaultMaxMessageSize;

    /// <summary>The largest response message a handler may send (serialized size). No limit by default.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Compression of response messages, applied only when the client's <c>grpc-accept-encoding</c> lists it.</summary>
    public GrpcCompression ResponseCompression { get; set; }

    /// <summary>A copy taken when services are mapped, so later changes cannot race with calls in flight.</summary>
    internal GrpcServerOptions Snapshot()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReceiveMessageSize);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxSendMessageSize);
        return (GrpcServerOptions)MemberwiseClone();
    }
}
