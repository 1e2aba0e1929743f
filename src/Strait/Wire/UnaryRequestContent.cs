using System.Net;
using Strait.Buffers;

namespace Strait.Wire;

/// <summary>
/// The body of a unary call: one pre-built frame in a pooled buffer. The buffer goes back to the pool only when no
/// write is using it, because HTTP/2 may still be sending the body when the response has already ended the call.
/// </summary>
internal sealed class UnaryRequestContent : HttpContent
{
    private readonly Lock _gate = new();
    private RentedBuffer _frame;
    private int _activeWrites;
    private bool _disposed;

    public UnaryRequestContent(RentedBuffer frame)
    {
        _frame = frame;
        Headers.TryAddWithoutValidation(GrpcProtocol.ContentTypeHeader, GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> frame;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _activeWrites++;
            frame = _frame.Memory;
        }

        try
        {
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _activeWrites--;
                if (_disposed && _activeWrites == 0)
                {
                    ReleaseFrame();
                }
            }
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _frame.Length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _disposed = true;
                if (_activeWrites == 0)
                {
                    ReleaseFrame();
                }
            }
        }

        base.Dispose(disposing);
    }

    private void ReleaseFrame()
    {
        _frame.Return();
        _frame = default;
    }
}
