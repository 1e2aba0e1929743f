using System.Net;
using Strait.Buffers;

namespace Strait.Wire;

/// <summary>
/// The body of a unary call: one pre-built frame in a pooled buffer. The buffer goes back to the pool only when no
/// write is using it, because HTTP/2 may still be sending the body when the response has already ended the call.
/// </summary>
internal sealed class UnaryRequestContent : HttpContent
{
    private readonly Lock gate = new();
    private RentedBuffer frame;
    private int activeWrites;
    private bool disposed;

    public UnaryRequestContent(RentedBuffer frame)
    {
        this.frame = frame;
        Headers.TryAddWithoutValidation(GrpcProtocol.ContentTypeHeader, GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> frame;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            activeWrites++;
            frame = this.frame.Memory;
        }

        try
        {
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (gate)
            {
                activeWrites--;
                if (disposed && activeWrites == 0)
                {
                    ReleaseFrame();
                }
            }
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = frame.Length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (gate)
            {
                disposed = true;
                if (activeWrites == 0)
                {
                    ReleaseFrame();
                }
            }
        }

        base.Dispose(disposing);
    }

    private void ReleaseFrame()
    {
        frame.Return();
        frame = default;
    }
}
