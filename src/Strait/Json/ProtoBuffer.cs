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
    private byte[] buffer;
    private int position;

    public ProtoBuffer(int initialCapacity)
    {
        buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
        position = 0;
    }

    private ProtoBuffer(byte[] buffer, int position)
    {
        this.buffer = buffer;
        this.position = position;
    }

    public readonly int Position => position;

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
        writer.Restore(buffer, keep ? position : adoptedLength);
        buffer = [];
        position = 0;
    }

    public readonly ReadOnlySpan<byte> Written => buffer.AsSpan(0, position);

    public readonly Span<byte> WrittenFrom(int start) => buffer.AsSpan(start, position - start);

    public Span<byte> GetSpan(int sizeHint)
    {
        if (buffer.Length - position < sizeHint)
        {
            Grow(sizeHint);
        }

        return buffer.AsSpan(position);
    }

    public void Advance(int count) => position += count;

    public void Truncate(int position) => this.position = position;

    public void WriteVarint(ulong value)
    {
        if (value < 0x80 && position < buffer.Length)
        {
            buffer[position++] = (byte)value;
            return;
        }

        position += Varint.Write(GetSpan(10), value);
    }

    public void WriteFixed32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(GetSpan(4), value);
        position += 4;
    }

    public void WriteFixed64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(GetSpan(8), value);
        position += 8;
    }

    /// <summary>A scalar's value as its field's wire type carries it: 32 or 64 fixed bits, else a varint.</summary>
    public void WriteScalar(WireType wireType, ulong bits)
    {
        switch (wireType)
        {
            case WireType.Fixed32:
                WriteFixed32((uint)bits);
                break;
            case WireType.Fixed64:
                WriteFixed64(bits);
                break;
            default:
                WriteVarint(bits);
                break;
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        position += bytes.Length;
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
        position++;
        return position;
    }

    public void EndLengthDelimited(int payloadStart)
    {
        var length = position - payloadStart;
        var prefixSize = Varint.Size((ulong)length);
        if (prefixSize > 1)
        {
            GetSpan(prefixSize - 1);
            buffer.AsSpan(payloadStart, length).CopyTo(buffer.AsSpan(payloadStart + prefixSize - 1));
            position += prefixSize - 1;
        }

        Varint.Write(buffer.AsSpan(payloadStart - 1), (ulong)length);
    }

    public readonly void CopyTo(IBufferWriter<byte> output)
    {
        if (position == 0)
        {
            return;
        }

        Written.CopyTo(output.GetSpan(position));
        output.Advance(position);
    }

    public void Dispose()
    {
        var buffer = this.buffer;
        this.buffer = [];
        position = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int sizeHint)
    {
        var needed = checked(position + sizeHint);
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(0, position).CopyTo(next);
        var old = buffer;
        buffer = next;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
