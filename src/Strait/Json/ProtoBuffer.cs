using System.Buffers;
using System.Buffers.Binary;
using Strait.Buffers;

namespace Strait.Json;

/// <summary>
/// Growable protobuf output over a pooled array. Embedded messages are written in place:
/// <see cref="BeginLengthDelimited"/> reserves one length byte (enough for any sub-message under 128 bytes,
/// the common case) and <see cref="EndLengthDelimited"/> patches the real length, shifting the payload right
/// only when the length needs more bytes. That keeps JSON→binary single-pass without per-level scratch
/// buffers; the cost is one memmove per level for large sub-messages.
/// </summary>
internal struct ProtoBuffer : IDisposable
{
    private byte[] _buffer;
    private int _position;

    public ProtoBuffer(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
        _position = 0;
    }

    private ProtoBuffer(byte[] buffer, int position)
    {
        _buffer = buffer;
        _position = position;
    }

    public readonly int Position => _position;

    /// <summary>Continues in <paramref name="writer"/>'s array after what it holds; <see cref="ReturnTo"/> gives it back.</summary>
    public static ProtoBuffer Adopt(PooledBufferWriter writer, int sizeHint)
    {
        var array = writer.Lend(out var written);
        var buffer = new ProtoBuffer(array, written);
        buffer.GetSpan(sizeHint);
        return buffer;
    }

    /// <summary>Hands the array back to the writer it was adopted from, with this output appended only if <paramref name="keep"/>.</summary>
    public void ReturnTo(PooledBufferWriter writer, int adoptedLength, bool keep)
    {
        writer.Restore(_buffer, keep ? _position : adoptedLength);
        _buffer = [];
        _position = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _position);

    public readonly Span<byte> WrittenFrom(int start) => _buffer.AsSpan(start, _position - start);

    public Span<byte> GetSpan(int sizeHint)
    {
        if (_buffer.Length - _position < sizeHint)
        {
            Grow(sizeHint);
        }

        return _buffer.AsSpan(_position);
    }

    public void Advance(int count) => _position += count;

    public void Truncate(int position) => _position = position;

    public void WriteVarint(ulong value)
    {
        if (value < 0x80 && _position < _buffer.Length)
        {
            _buffer[_position++] = (byte)value;
            return;
        }

        _position += Varint.Write(GetSpan(10), value);
    }

    public void WriteFixed32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(GetSpan(4), value);
        _position += 4;
    }

    public void WriteFixed64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(GetSpan(8), value);
        _position += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _position += bytes.Length;
    }

    public void WriteLengthDelimited(uint tag, ReadOnlySpan<byte> payload)
    {
        WriteVarint(tag);
        WriteVarint((ulong)payload.Length);
        WriteBytes(payload);
    }

    /// <summary>Encodes the body of a Timestamp or Duration (fields 1 and 2, omitted when zero).</summary>
    public void WriteSecondsAndNanos(long seconds, int nanos)
    {
        if (seconds != 0)
        {
            WriteVarint(Varint.MakeTag(1, WireType.Varint));
            WriteVarint((ulong)seconds);
        }

        if (nanos != 0)
        {
            WriteVarint(Varint.MakeTag(2, WireType.Varint));
            WriteVarint((ulong)(long)nanos);
        }
    }

    /// <summary>Reserves the length prefix; returns the payload start to hand to <see cref="EndLengthDelimited"/>.</summary>
    public int BeginLengthDelimited()
    {
        GetSpan(1);
        _position++;
        return _position;
    }

    public void EndLengthDelimited(int payloadStart)
    {
        var length = _position - payloadStart;
        var prefixSize = Varint.Size((ulong)length);
        if (prefixSize > 1)
        {
            GetSpan(prefixSize - 1);
            _buffer.AsSpan(payloadStart, length).CopyTo(_buffer.AsSpan(payloadStart + prefixSize - 1));
            _position += prefixSize - 1;
        }

        Varint.Write(_buffer.AsSpan(payloadStart - 1), (ulong)length);
    }

    public readonly void CopyTo(IBufferWriter<byte> output)
    {
        if (_position == 0)
        {
            return;
        }

        Written.CopyTo(output.GetSpan(_position));
        output.Advance(_position);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _position = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int sizeHint)
    {
        var needed = checked(_position + sizeHint);
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _position).CopyTo(next);
        var old = _buffer;
        _buffer = next;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
