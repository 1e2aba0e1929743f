using System.Buffers.Binary;
using System.Globalization;

namespace Strait.Json;

/// <summary>Validating primitives for reading the protobuf wire format from a span.</summary>
internal static class WireReader
{
    public static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        var pos = position;
        if (pos < data.Length && data[pos] < 0x80)
        {
            position = pos + 1;
            return data[pos];
        }

        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
            {
                throw Malformed("truncated varint", pos);
            }

            var b = data[pos++];
            if (shift == 63 && b > 1)
            {
                throw Malformed("varint is longer than 64 bits", pos - 1);
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                position = pos;
                return result;
            }
        }

        throw Malformed("varint is longer than 10 bytes", pos);
    }

    public static void ReadTag(ReadOnlySpan<byte> data, ref int position, out int fieldNumber, out WireType wireType)
    {
        var start = position;
        var tag = ReadVarint(data, ref position);
        fieldNumber = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        if (tag > uint.MaxValue || fieldNumber == 0 || (tag >> 3) > 536_870_911)
        {
            throw Malformed("invalid field number", start);
        }

        if (wireType > WireType.Fixed32)
        {
            throw Malformed($"invalid wire type {(int)wireType} for field {fieldNumber}", start);
        }
    }

    /// <summary>Reads a length prefix and checks that the payload fits.</summary>
    public static int ReadLength(ReadOnlySpan<byte> data, ref int position, int end)
    {
        var start = position;
        // Bounded by end: a prefix completed by bytes past the enclosing message would leave position past end.
        var length = ReadVarint(data[..end], ref position);
        if (length > (ulong)(end - position))
        {
            throw Malformed("length-delimited field runs past the end of its message", start);
        }

        return (int)length;
    }

    public static uint ReadFixed32(ReadOnlySpan<byte> data, ref int position, int end)
    {
        if (end - position < 4)
        {
            throw Malformed("truncated fixed32 value", position);
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
        position += 4;
        return value;
    }

    public static ulong ReadFixed64(ReadOnlySpan<byte> data, ref int position, int end)
    {
        if (end - position < 8)
        {
            throw Malformed("truncated fixed64 value", position);
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(data[position..]);
        position += 8;
        return value;
    }

    /// <summary>
    /// Skips the value of a field whose tag was just read and reports where its content lies: the varint
    /// or fixed bytes, the payload after a length prefix, or a group's fields before its end-group tag.
    /// </summary>
    public static void SkipValue(
        ReadOnlySpan<byte> data,
        ref int position,
        int end,
        int fieldNumber,
        WireType wireType,
        int depthBudget,
        out int contentStart,
        out int contentEnd)
    {
        switch (wireType)
        {
            case WireType.Varint:
                contentStart = position;
                ReadVarint(data[..end], ref position);
                contentEnd = position;
                break;
            case WireType.Fixed64:
                contentStart = position;
                ReadFixed64(data, ref position, end);
                contentEnd = position;
                break;
            case WireType.Fixed32:
                contentStart = position;
                ReadFixed32(data, ref position, end);
                contentEnd = position;
                break;
            case WireType.LengthDelimited:
                var length = ReadLength(data, ref position, end);
                contentStart = position;
                position += length;
                contentEnd = position;
                break;
            case WireType.StartGroup:
                contentStart = position;
                SkipGroup(data, ref position, end, fieldNumber, depthBudget, out contentEnd);
                break;
            default:
                throw Malformed($"end-group tag for field {fieldNumber} without a matching start-group", position);
        }
    }

    public static ProtobufFormatException Malformed(string problem, int offset) =>
        new($"malformed protobuf: {problem} (at byte {offset.ToString(CultureInfo.InvariantCulture)})");

    private static void SkipGroup(ReadOnlySpan<byte> data, ref int position, int end, int fieldNumber, int depthBudget, out int contentEnd)
    {
        if (depthBudget <= 0)
        {
            throw Malformed("groups are nested too deeply", position);
        }

        while (position < end)
        {
            var tagStart = position;
            ReadTag(data[..end], ref position, out var innerNumber, out var innerWireType);
            if (innerWireType == WireType.EndGroup)
            {
                if (innerNumber != fieldNumber)
                {
                    throw Malformed($"end-group tag for field {innerNumber} inside group {fieldNumber}", tagStart);
                }

                contentEnd = tagStart;
                return;
            }

            SkipValue(data, ref position, end, innerNumber, innerWireType, depthBudget - 1, out _, out _);
        }

        throw Malformed($"group {fieldNumber} has no end-group tag", position);
    }
}
