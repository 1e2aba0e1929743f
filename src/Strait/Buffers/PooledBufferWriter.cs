using System.Buffers;

namespace Strait.Buffers;

/// <summary>A growable <see cref="IBufferWriter{T}"/> over <see cref="ArrayPool{T}.Shared"/>; dispose to return the array.</summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumCapacity = 256;

    private readonly int _maxCapacity;
    private byte[] _buffer;
    private int _written;

    /// <param name="initialCapacity">The expected size.</param>
    /// <param name="maxCapacity">Growth stops here, so a bounded consumer never rents more than its bound.</param>
    public PooledBufferWriter(int initialCapacity, int maxCapacity = int.MaxValue)
    {
        _maxCapacity = Math.Min(maxCapacity, Array.MaxLength);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(initialCapacity, MinimumCapacity), Math.Max(_maxCapacity, 1)));
    }

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Empties the writer for reuse, keeping its buffer.</summary>
    public void Reset() => _written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Hands the array and its written length to the caller, who must return it to the shared pool.</summary>
    public RentedBuffer Detach()
    {
        var detached = new RentedBuffer(_buffer, _written);
        _buffer = [];
        _written = 0;
        return detached;
    }

    /// <summary>Whether the writer may grow without bound, so another writer may fill its array in its place.</summary>
    public bool IsUnbounded => _maxCapacity == Array.MaxLength;

    /// <summary>Lends the array to a writer that appends in place; <see cref="Restore"/> must hand it (or its replacement) back.</summary>
    public byte[] Lend(out int written)
    {
        var buffer = _buffer;
        written = _written;
        _buffer = [];
        _written = 0;
        return buffer;
    }

    /// <summary>Takes back an array from <see cref="Lend"/>, or a larger one from the shared pool that replaced it.</summary>
    public void Restore(byte[] buffer, int written)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(written, buffer.Length);
        _buffer = buffer;
        _written = written;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _written = 0;
        }
    }

    private void EnsureCapacity(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var required = (long)_written + needed;
        if (required > _maxCapacity)
        {
            throw new InvalidOperationException("The buffer cannot grow past its maximum capacity.");
        }

        var newSize = (int)Math.Max(required, Math.Min(_maxCapacity, (long)_buffer.Length * 2));
        var grown = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
    }
}
