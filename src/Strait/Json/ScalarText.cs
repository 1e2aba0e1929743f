using System.Text;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>
/// Converts the text of a numeric scalar (a JSON number, a quoted number, a map key or a bound query
/// value) into the bits that go on the wire for its field type.
/// </summary>
internal static class ScalarText
{
    /// <summary>Parses an integer-typed value; <paramref name="bits"/> is the varint or fixed payload.</summary>
    public static void ParseInteger(FieldType type, ReadOnlySpan<byte> text, bool quoted, out ulong bits)
    {
        var result = NumberText.ParseInteger(text, out var negative, out var magnitude);
        if (result == IntegerParseResult.Ok && TryEncodeInteger(type, negative, magnitude, out bits))
        {
            return;
        }

        throw result is IntegerParseResult.OutOfRange or IntegerParseResult.Ok
            ? OutOfRange(type, text, quoted)
            : new ProtoJsonException($"expected {Describe(type)} but got {Show(text, quoted)}");
    }

    /// <summary>Parses a float or double; <c>NaN</c> and <c>±Infinity</c> are allowed only in quoted form.</summary>
    public static void ParseFloatingPoint(FieldType type, ReadOnlySpan<byte> text, bool quoted, out ulong bits)
    {
        if (type == FieldType.Float)
        {
            if (!NumberText.TryParseFloat(text, quoted, out var single))
            {
                throw new ProtoJsonException($"expected {Describe(type)} but got {Show(text, quoted)}");
            }

            if (float.IsInfinity(single) && !NumberText.IsSpecialFloatingText(text))
            {
                throw OutOfRange(type, text, quoted);
            }

            bits = BitConverter.SingleToUInt32Bits(single);
            return;
        }

        if (!NumberText.TryParseDouble(text, quoted, out var value))
        {
            throw new ProtoJsonException($"expected {Describe(type)} but got {Show(text, quoted)}");
        }

        if (double.IsInfinity(value) && !NumberText.IsSpecialFloatingText(text))
        {
            throw OutOfRange(type, text, quoted);
        }

        bits = BitConverter.DoubleToUInt64Bits(value);
    }

    public static string Describe(FieldType type) => type switch
    {
        FieldType.Double => "a double",
        FieldType.Float => "a float",
        FieldType.Int64 => "an int64",
        FieldType.UInt64 => "a uint64",
        FieldType.Int32 => "an int32",
        FieldType.Fixed64 => "a fixed64",
        FieldType.Fixed32 => "a fixed32",
        FieldType.Bool => "a bool",
        FieldType.String => "a string",
        FieldType.Bytes => "base64-encoded bytes",
        FieldType.UInt32 => "a uint32",
        FieldType.SFixed32 => "an sfixed32",
        FieldType.SFixed64 => "an sfixed64",
        FieldType.SInt32 => "an sint32",
        FieldType.SInt64 => "an sint64",
        FieldType.Enum => "an enum value",
        _ => "an object",
    };

    public static string Quote(ReadOnlySpan<byte> text)
    {
        const int MaxShown = 64;
        var shown = text.Length > MaxShown ? text[..MaxShown] : text;
        return "\"" + Encoding.UTF8.GetString(shown) + (shown.Length < text.Length ? "…\"" : "\"");
    }

    public static ProtoJsonException OutOfRange(FieldType type, ReadOnlySpan<byte> text, bool quoted) =>
        new($"{Show(text, quoted)} is out of range for {type.ToString().ToLowerInvariant()}");

    public static string Show(ReadOnlySpan<byte> text, bool quoted) => quoted ? Quote(text) : Encoding.UTF8.GetString(text);

    private static bool TryEncodeInteger(FieldType type, bool negative, ulong magnitude, out ulong bits)
    {
        bits = 0;
        switch (type)
        {
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.Enum:
                if (magnitude > (negative ? 1UL << 31 : int.MaxValue))
                {
                    return false;
                }

                var int32 = negative ? (int)(0 - (long)magnitude) : (int)magnitude;
                bits = type switch
                {
                    FieldType.SInt32 => Varint.ZigZag32(int32),
                    FieldType.SFixed32 => (uint)int32,
                    _ => (ulong)(long)int32,
                };
                return true;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                if (magnitude > (negative ? 1UL << 63 : long.MaxValue))
                {
                    return false;
                }

                var int64 = negative ? unchecked((long)(0 - magnitude)) : (long)magnitude;
                bits = type == FieldType.SInt64 ? Varint.ZigZag64(int64) : (ulong)int64;
                return true;
            case FieldType.UInt32 or FieldType.Fixed32:
                bits = magnitude;
                return magnitude <= uint.MaxValue && (!negative || magnitude == 0);
            case FieldType.UInt64 or FieldType.Fixed64:
                bits = magnitude;
                return !negative || magnitude == 0;
            default:
                return false;
        }
    }
}
