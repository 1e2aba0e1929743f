using System.Text;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>
/// Encodes one value given as text (a path variable or query parameter) as the record of its field, in the
/// text forms that <see cref="MessageBindings"/> documents.
/// </summary>
internal static class FieldTextBinder
{
    /// <summary>
    /// Writes the record of <paramref name="field"/> holding <paramref name="text"/>. With <paramref name="skipDefault"/>
    /// a default value writes nothing, as in a canonical encoding of a field without presence.
    /// </summary>
    public static void WriteLeaf(FieldPlan field, ReadOnlySpan<byte> text, bool skipDefault, ref ProtoBuffer output)
    {
        if (field.IsMap)
        {
            throw new ProtoJsonException("map fields cannot be bound from text");
        }

        ulong bits;
        switch (field.Type)
        {
            case FieldType.String:
                if (!(skipDefault && text.IsEmpty))
                {
                    output.WriteLengthDelimited(field.Tag, text);
                }

                return;
            case FieldType.Bytes:
                if (!(skipDefault && text.IsEmpty))
                {
                    WriteBytes(field.Tag, text, ref output);
                }

                return;
            case FieldType.Message:
                WriteMessage(field, text, ref output);
                return;
            case FieldType.Group:
                throw new ProtoJsonException("group fields cannot be bound from text");
            case FieldType.Bool:
                bits = ParseBool(text);
                break;
            case FieldType.Enum:
                bits = ParseEnum(field.Enum, text);
                break;
            case FieldType.Float or FieldType.Double:
                ScalarText.ParseFloatingPoint(field.Type, text, quoted: true, out bits);
                break;
            default:
                ScalarText.ParseInteger(field.Type, text, quoted: true, out bits);
                break;
        }

        if (skipDefault && bits == 0)
        {
            return;
        }

        output.WriteVarint(field.Tag);
        output.WriteScalar(field.WireType, bits);
    }

    /// <summary>Accepts <c>true</c>/<c>false</c> and, because query strings commonly use them, <c>1</c>/<c>0</c>.</summary>
    private static ulong ParseBool(ReadOnlySpan<byte> text) =>
        text.SequenceEqual("true"u8) || text.SequenceEqual("1"u8) ? 1UL
        : text.SequenceEqual("false"u8) || text.SequenceEqual("0"u8) ? 0UL
        : throw new ProtoJsonException($"expected a bool (true, false, 1 or 0) but got {ScalarText.Quote(text)}");

    private static ulong ParseEnum(EnumPlan plan, ReadOnlySpan<byte> text)
    {
        if (plan.TryGetNumber(text, out var number))
        {
            return (ulong)(long)number;
        }

        if (NumberText.ParseInteger(text, out _, out _) == IntegerParseResult.Malformed)
        {
            throw new ProtoJsonException($"'{Encoding.UTF8.GetString(text)}' is not a value of enum {plan.FullName}");
        }

        ScalarText.ParseInteger(FieldType.Enum, text, quoted: true, out var bits);
        return bits;
    }

    private static void WriteBytes(uint tag, ReadOnlySpan<byte> text, ref ProtoBuffer output)
    {
        output.WriteVarint(tag);
        var start = output.BeginLengthDelimited();
        if (!Base64Text.TryDecode(text, output.GetSpan(Base64Text.MaxDecodedLength(text.Length)), out var written))
        {
            throw new ProtoJsonException($"expected base64-encoded bytes but got {ScalarText.Quote(text)}");
        }

        output.Advance(written);
        output.EndLengthDelimited(start);
    }

    private static void WriteMessage(FieldPlan field, ReadOnlySpan<byte> text, ref ProtoBuffer output)
    {
        var plan = field.Message;
        output.WriteVarint(field.Tag);
        var start = output.BeginLengthDelimited();
        long seconds;
        int nanos;
        switch (plan.Kind)
        {
            case WellKnownType.Timestamp:
                if (!TimestampText.TryParse(text, out seconds, out nanos))
                {
                    throw new ProtoJsonException($"{ScalarText.Quote(text)} is not a valid RFC 3339 timestamp between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z");
                }

                output.WriteSecondsAndNanos(seconds, nanos);
                break;
            case WellKnownType.Duration:
                if (!DurationText.TryParse(text, out seconds, out nanos))
                {
                    throw new ProtoJsonException($"{ScalarText.Quote(text)} is not a valid duration such as \"1.5s\" within ±315576000000s");
                }

                output.WriteSecondsAndNanos(seconds, nanos);
                break;
            case WellKnownType.FieldMask:
                // Text bindings accept snake_case paths too, so no path is refused.
                FieldMaskText.TryWritePaths(text, allowUnderscores: true, ref output, out _);
                break;
            case var kind when kind.IsWrapper():
                // Canonical wrappers omit a default inner value; the wrapper itself stays present.
                WriteLeaf(plan.Fields[0], text, skipDefault: true, ref output);
                break;
            default:
                throw new ProtoJsonException($"a {plan.FullName} cannot be bound from text; send it in the request body");
        }

        output.EndLengthDelimited(start);
    }
}
