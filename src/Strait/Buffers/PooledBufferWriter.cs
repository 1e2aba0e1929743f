using System.Buffers;

namespace Strait.Buffers;

/// <summary>A growable <see cref="IBufferWriter{T}"/> over <see cref="ArrayPool{T}.Shared"/>; dispose to return the array.</summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumCapacity = 256;

    private readonly int maxCapacity;
    private byte[] buffer;
    private int written;

    /// <param name="initialCapacity">The expected size.</param>
    /// <param name="maxCapacity">Growth stops here, so a bounded consumer never rents more than its bound.</param>
    public PooledBufferWriter(int initialCapacity, int maxCapacity = int.MaxValue)
    {
        this.maxCapacity = Math.Min(maxCapacity, Array.MaxLength);
        buffer = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(initialCapacity, MinimumCapacity), Math.Max(this.maxCapacity, 1)));
    }

    public int WrittenCount => written;

    public ReadOnlyMemory<byte> WrittenMemory => buffer.AsMemory(0, written);

    public ReadOnlySpan<byte> WrittenSpan => buffer.AsSpan(0, written);

    /// <summary>Empties the writer for reuse, keeping its buffer.</summary>
    public void Reset() => written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - written);
        written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return buffer.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return buffer.AsSpan(written);
    }

    /// <summary>Hands the array and its written length to the caller, who must return it to the shared pool.</summary>
    public RentedBuffer Detach()
    {
        var detached = new RentedBuffer(buffer, written);
        buffer = [];
        written = 0;
        return detached;
    }

    /// <summary>Whether the writer may grow without bound, so another writer may fill its array in its place.</summary>
    public bool IsUnbounded => maxCapacity == Array.MaxLength;

    /// <summary>Lends the array to a writer that appends in place; <see cref="Restore"/> must hand it (or its replacement) back.</summary>
    public byte[] Lend(out int written)
    {
        var buffer = this.buffer;
        written = this.written;
        this.buffer = [];
        this.written = 0;
        return buffer;
    }

    /// <summary>Takes back an array from <see cref="Lend"/>, or a larger one from the shared pool that replaced it.</summary>
    public void Restore(byte[] buffer, int written)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(written, buffer.Length);
        this.buffer = buffer;
        this.written = written;
    }

    public void Dispose()
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
            written = 0;
        }
    }

    private void EnsureCapacity(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (buffer.Length - written >= needed)
        {
            return;
        }

        var required = (long)written + needed;
        if (required > maxCapacity)
        {
            throw new InvalidOperationException("The buffer cannot grow past its maximum capacity.");
        }

        var newSize = (int)Math.Max(required, Math.Min(maxCapacity, (long)buffer.Length * 2));
        var grown = ArrayPool<byte>.Shared.Rent(newSize);
        buffer.AsSpan(0, written).CopyTo(grown);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        buffer = grown;
    }
}
