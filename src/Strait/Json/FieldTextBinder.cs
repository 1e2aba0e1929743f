using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>
/// Encodes one value given as text (a path variable or query parameter) as a protobuf fragment: the
/// field at the end of a path, wrapped in its enclosing message fields. Fragments concatenate under
/// protobuf merge semantics, so the caller can emit one per binding.
/// </summary>
internal static class FieldTextBinder
{
    public static void Write(PlanCache plans, IReadOnlyList<FieldDescriptor> path, string text, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        if (path.Count == 0)
        {
            throw new ArgumentException("The field path is empty.", nameof(path));
        }

        for (var i = 1; i < path.Count; i++)
        {
            if (path[i - 1].FieldType != FieldType.Message || path[i].ContainingType != path[i - 1].MessageType)
            {
                throw new ArgumentException($"'{path[i].FullName}' is not a field of the message type of '{path[i - 1].FullName}'.", nameof(path));
            }
        }

        var leaf = new ProtoBuffer(64);
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            try
            {
                for (var i = 0; i < path.Count - 1; i++)
                {
                    if (path[i].IsRepeated)
                    {
                        throw new ProtoJsonException($"cannot bind a value through repeated field '{path[i].Name}'");
                    }
                }

                if (Utf8.FromUtf16(text, utf8, out _, out var length, replaceInvalidSequences: false) != OperationStatus.Done)
                {
                    throw new ProtoJsonException("value is not valid Unicode text");
                }

                var field = plans.GetMessagePlan(path[^1].ContainingType).FindByNumber(path[^1].FieldNumber)!;
                WriteLeaf(field, utf8.AsSpan(0, length), skipDefault: false, ref leaf);
            }
            catch (ProtoJsonException ex)
            {
                throw new ProtoJsonException(ex.Message, DottedPath(path));
            }

            WriteEnclosingPrefixes(path, leaf.Position, output);
            leaf.CopyTo(output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
            leaf.Dispose();
        }
    }

    private static void WriteEnclosingPrefixes(IReadOnlyList<FieldDescriptor> path, int leafLength, IBufferWriter<byte> output)
    {
        var levels = path.Count - 1;
        if (levels == 0)
        {
            return;
        }

        // Sizes are known from the inside out; prefixes are written from the outside in.
        Span<int> payloadLengths = levels <= 32 ? stackalloc int[levels] : new int[levels];
        var inner = leafLength;
        for (var i = levels - 1; i >= 0; i--)
        {
            payloadLengths[i] = inner;
            inner += Varint.Size(Varint.MakeTag(path[i].FieldNumber, WireType.LengthDelimited)) + Varint.Size((ulong)inner);
        }

        var prefixLength = inner - leafLength;
        var span = output.GetSpan(prefixLength);
        var written = 0;
        for (var i = 0; i < levels; i++)
        {
            written += Varint.Write(span[written..], Varint.MakeTag(path[i].FieldNumber, WireType.LengthDelimited));
            written += Varint.Write(span[written..], (ulong)payloadLengths[i]);
        }

        output.Advance(written);
    }

    /// <summary>
    /// Bound fields are written even when they hold the default value (<paramref name="skipDefault"/> false),
    /// so that a later fragment can override an earlier one ("last wins") after concatenation.
    /// </summary>
    private static void WriteLeaf(FieldPlan field, ReadOnlySpan<byte> text, bool skipDefault, ref ProtoBuffer output)
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
        switch (field.WireType)
        {
            case WireType.Fixed32:
                output.WriteFixed32((uint)bits);
                break;
            case WireType.Fixed64:
                output.WriteFixed64(bits);
                break;
            default:
                output.WriteVarint(bits);
                break;
        }
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
                WriteFieldMaskPaths(text, ref output);
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

    private static void WriteFieldMaskPaths(ReadOnlySpan<byte> text, ref ProtoBuffer output)
    {
        var pathTag = Varint.MakeTag(1, WireType.LengthDelimited);
        foreach (var range in text.Split((byte)','))
        {
            var path = text[range];
            if (path.IsEmpty)
            {
                continue;
            }

            output.WriteVarint(pathTag);
            var start = output.BeginLengthDelimited();
            FieldMaskText.TryToSnakeCase(path, allowUnderscores: true, output.GetSpan(path.Length * 2), out var written);
            output.Advance(written);
            output.EndLengthDelimited(start);
        }
    }

    private static string DottedPath(IReadOnlyList<FieldDescriptor> path)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < path.Count; i++)
        {
            builder.Append(i == 0 ? "" : ".").Append(path[i].Name);
        }

        return builder.ToString();
    }
}
