using Strait.Buffers;

namespace Strait.Wire;

/// <summary>
/// The outcome of a unary call. The response message lives in a buffer rented from the shared array pool:
/// <see cref="Message"/> is valid until <see cref="Dispose"/>, after which it is empty and any copy of the memory must
/// no longer be read. Owned by one caller; not thread-safe.
/// </summary>
internal sealed class UnaryResult : IDisposable
{
    private RentedBuffer message;

    internal UnaryResult(GrpcStatus status, GrpcMetadata responseHeaders, GrpcMetadata trailers, RentedBuffer message = default)
    {
        Status = status;
        ResponseHeaders = responseHeaders;
        Trailers = trailers;
        this.message = message;
    }

    public GrpcStatus Status { get; }

    /// <summary>The response headers' user metadata; empty for Trailers-Only responses and failures before headers.</summary>
    public GrpcMetadata ResponseHeaders { get; }

    /// <summary>The trailers' user metadata (for a Trailers-Only response, the metadata of its single header block).</summary>
    public GrpcMetadata Trailers { get; }

    /// <summary>The serialized response message; set only when <see cref="Status"/> is OK.</summary>
    public ReadOnlyMemory<byte> Message => message.Memory;

    public void Dispose()
    {
        var message = this.message;
        this.message = default;
        message.Return();
    }
}
