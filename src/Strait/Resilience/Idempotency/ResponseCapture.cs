using System.Buffers;

namespace Strait.Resilience.Idempotency;

/// <summary>Passes a response body through to the client and keeps a copy of up to a limit, for the idempotency store.</summary>
internal sealed class ResponseCapture : Stream
{
    private readonly int limit;
    private readonly ArrayBufferWriter<byte> copy = new();

    public ResponseCapture(Stream inner, int limit)
    {
        Inner = inner;
        this.limit = limit;
    }

    public Stream Inner { get; }

    /// <summary>The body was larger than the limit: the copy is incomplete and must not be stored.</summary>
    public bool Overflowed { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public byte[] ToArray() => copy.WrittenSpan.ToArray();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Keep(buffer);
        Inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        return Inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => Inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (Overflowed)
        {
            return;
        }

        if (copy.WrittenCount + data.Length > limit)
        {
            Overflowed = true;
            return;
        }

        copy.Write(data);
    }
}
