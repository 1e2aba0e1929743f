using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Google.Protobuf.Reflection;
using Strait.Buffers;

namespace Strait.Json;

/// <summary>
/// Streams ProtoJSON tokens straight into protobuf bytes. One instance per call; the reader, output
/// buffer and scratch space live on the stack or come from the array pool.
/// </summary>
/// <remarks>
/// Error paths are assembled while a <see cref="ProtoJsonException"/> unwinds (each level adds its
/// property, index or map key), so successful calls do no path bookkeeping at all.
/// </remarks>
internal ref struct JsonToProtobuf
{
    private const int InitialOutputCapacity = 512;
    private const string EmptyFullName = "google.protobuf.Empty";
    private static readonly byte[] TypeProperty = "@type"u8.ToArray();
    private static readonly byte[] ValueProperty = "value"u8.ToArray();

    private readonly ReadOnlySpan<byte> json;
    private readonly PlanCache plans;
    private readonly IMessageTypeResolver resolver;
    private readonly JsonReadOptions options;
    private Utf8JsonReader reader;
    private ProtoBuffer output;
    private byte[] scratch;

    private JsonToProtobuf(ReadOnlySpan<byte> json, PlanCache plans, IMessageTypeResolver resolver, JsonReadOptions options, ProtoBuffer output)
    {
        this.json = json;
        this.plans = plans;
        this.resolver = resolver;
        this.options = options;
        // One level of slack so our own depth check, with its clearer message, fires before the reader's.
        reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = options.MaxDepth + 1 });
        this.output = output;
        scratch = [];
    }

    /// <summary>Transcodes a whole message.</summary>
    public static void Transcode(
        ReadOnlySpan<byte> json,
        MessagePlan plan,
        PlanCache plans,
        IMessageTypeResolver resolver,
        JsonReadOptions options,
        IBufferWriter<byte> output) =>
        Transcode(json, plan, field: null, bindings: null, plans, resolver, options, output);

    /// <summary>
    /// Transcodes <paramref name="json"/> as the value of <paramref name="field"/> of <paramref name="plan"/>, or as
    /// the whole message when <paramref name="field"/> is null, with <paramref name="bindings"/> merged in.
    /// </summary>
    /// <remarks>
    /// When <paramref name="output"/> is a <see cref="PooledBufferWriter"/> the message is built in its array,
    /// after what it already holds, so a large message exists once; any other writer receives a copy at the end.
    /// Either way the output changes only on success.
    /// </remarks>
    public static void Transcode(
        ReadOnlySpan<byte> json,
        MessagePlan plan,
        FieldPlan? field,
        BoundMessage? bindings,
        PlanCache plans,
        IMessageTypeResolver resolver,
        JsonReadOptions options,
        IBufferWriter<byte> output)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new ProtoJsonException("request body is empty");
        }

        var pooled = output is PooledBufferWriter { IsUnbounded: true } unbounded ? unbounded : null;
        var adoptedLength = pooled?.WrittenCount ?? 0;
        var initialCapacity = Math.Max(InitialOutputCapacity, json.Length / 2);
        var buffer = pooled is null ? new ProtoBuffer(initialCapacity) : ProtoBuffer.Adopt(pooled, initialCapacity);
        var transcoder = new JsonToProtobuf(json, plans, resolver, options, buffer);
        var succeeded = false;
        try
        {
            try
            {
                transcoder.Read();
                if (field is null)
                {
                    transcoder.WriteMessageBody(plan, bindings);
                }
                else if (bindings is null)
                {
                    transcoder.WriteSingleMember(field, bound: null);
                }
                else
                {
                    transcoder.WriteBodyField(field, bindings);
                }

                // Reading past the top-level value is what makes the reader reject trailing content.
                _ = transcoder.reader.Read();
            }
            catch (JsonException ex)
            {
                throw transcoder.SyntaxError(ex);
            }

            if (pooled is null)
            {
                transcoder.output.CopyTo(output);
            }

            succeeded = true;
        }
        finally
        {
            if (pooled is null)
            {
                transcoder.output.Dispose();
            }
            else
            {
                transcoder.output.ReturnTo(pooled, adoptedLength, succeeded);
            }

            transcoder.ReleaseScratch();
        }
    }

    private void ReleaseScratch()
    {
        if (scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(scratch);
            scratch = [];
        }
    }

    private void Read()
    {
        bool read;
        try
        {
            read = reader.Read();
        }
        catch (JsonException ex)
        {
            // Rethrown as the codec's own exception, so that the path to the broken value is added as it unwinds.
            throw SyntaxError(ex);
        }

        if (!read)
        {
            throw new ProtoJsonException("invalid JSON: " + JsonSyntaxError.EndOfInput);
        }
    }

    private ProtoJsonException SyntaxError(JsonException ex) => new("invalid JSON: " + JsonSyntaxError.Describe(ex, json), ex);

    private void EnterContainer()
    {
        if (reader.CurrentDepth >= options.MaxDepth)
        {
            throw new ProtoJsonException($"JSON nesting exceeds the maximum depth of {options.MaxDepth}");
        }
    }

    /// <summary>Encodes the fields of a message whose JSON value starts at the current token, with <paramref name="bound"/> merged in.</summary>
    private void WriteMessageBody(MessagePlan plan, BoundMessage? bound = null)
    {
        if (plan.Kind == WellKnownType.None)
        {
            ExpectStartObject(plan.FullName);
            WriteMembers(plan, skipTypeProperty: false, bound: bound);
            return;
        }

        var start = output.Position;
        switch (plan.Kind)
        {
            case WellKnownType.Any:
                WriteAny();
                break;
            case WellKnownType.Timestamp:
                WriteTimestamp();
                break;
            case WellKnownType.Duration:
                WriteDuration();
                break;
            case WellKnownType.FieldMask:
                WriteFieldMask();
                break;
            case WellKnownType.Struct:
                WriteStruct();
                break;
            case WellKnownType.Value:
                WriteValue();
                break;
            case WellKnownType.ListValue:
                WriteListValue();
                break;
            default:
                WriteSingular(plan.Fields[0], skipDefault: true);
                break;
        }

        if (bound is not null)
        {
            BoundFieldWriter.MergeIntoWritten(ref output, start, bound);
        }
    }

    private void ExpectStartObject(string messageType)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Mismatch("an object for " + messageType);
        }

        EnterContainer();
    }

    /// <summary>
    /// Encodes object members until the matching end of object; the next <see cref="Read"/> must yield a
    /// property name or the end. Tracks which fields were written so a repeated key replaces the earlier
    /// value (the spec's "last wins") and two members of one oneof are rejected. Inside an Any,
    /// <paramref name="skipTypeProperty"/> skips <c>"@type"</c>, which is a duplicate if <paramref name="typeAlreadyRead"/>.
    /// </summary>
    /// <remarks>
    /// Fields in <paramref name="bound"/> are merged in as the members go by: a bound field with nothing to merge is
    /// written just before the first member with a higher number, so output stays in field-number order without a
    /// sort whenever the JSON is; a body value that a bound value replaces is still checked, then dropped.
    /// </remarks>
    private void WriteMembers(MessagePlan plan, bool skipTypeProperty, bool typeAlreadyRead = false, BoundMessage? bound = null)
    {
        const int StackFieldLimit = 1024;
        var fieldCount = plan.Fields.Length;
        Span<ulong> written = fieldCount <= StackFieldLimit ? stackalloc ulong[(fieldCount + 63) >> 6] : new ulong[(fieldCount + 63) >> 6];
        var oneofCount = plan.OneofNames.Length;
        Span<int> oneofCases = oneofCount <= 64 ? stackalloc int[oneofCount] : new int[oneofCount];
        oneofCases.Fill(-1);
        var boundCount = bound?.Count ?? 0;
        Span<bool> boundWritten = boundCount <= 64 ? stackalloc bool[boundCount] : new bool[boundCount];
        var boundCursor = 0;
        var messageStart = output.Position;
        var lastNumber = 0;
        var outOfOrder = false;
        var expectedField = 0;

        // Per field index, where its latest value starts; earlier records of a repeated key are dropped in one
        // pass at the end, since removing them at each repetition rescans the message and is quadratic.
        int[]? supersededBefore = null;

        while (true)
        {
            Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (!plan.TryFindByName(PropertyName(), ref expectedField, out var name))
            {
                if (skipTypeProperty && reader.ValueTextEquals(TypeProperty))
                {
                    if (typeAlreadyRead)
                    {
                        throw DuplicateTypeProperty();
                    }

                    Read();
                    SkipValue();
                    continue;
                }

                if (options.IgnoreUnknownFields)
                {
                    Read();
                    SkipValue();
                    continue;
                }

                // Decoded leniently: the name may hold bytes that are not UTF-8, which must not escape as another exception type.
                var unknown = Encoding.UTF8.GetString(PropertyName());
                throw new ProtoJsonException($"unknown field '{unknown}' in {plan.FullName}").AtProperty(unknown);
            }

            var field = name.Field;
            try
            {
                Read();
                var boundIndex = -1;
                if (bound is not null)
                {
                    WriteBoundBefore(bound, boundWritten, ref boundCursor, field.Number, written, ref lastNumber, ref outOfOrder);
                    boundIndex = bound.IndexOf(field.Index);
                    if (ReplacesBodyValue(bound, boundIndex, field))
                    {
                        WriteDiscarded(field);
                        continue;
                    }
                }

                var isWrittenBit = 1UL << (field.Index & 63);
                ref var writtenWord = ref written[field.Index >> 6];
                if ((writtenWord & isWrittenBit) != 0)
                {
                    (supersededBefore ??= new int[fieldCount])[field.Index] = output.Position;
                    writtenWord &= ~isWrittenBit;
                    if (field.OneofIndex >= 0 && oneofCases[field.OneofIndex] == field.Index)
                    {
                        oneofCases[field.OneofIndex] = -1;
                    }
                }

                if (reader.TokenType == JsonTokenType.Null && (field.IsRepeated || field.IsMap || !field.ElementAcceptsNull))
                {
                    if (boundIndex >= 0)
                    {
                        // The body unsets the field; what the bindings put in it stays.
                        BoundFieldWriter.Write(ref output, bound![boundIndex]);
                        boundWritten[boundIndex] = true;
                        writtenWord |= isWrittenBit;
                        outOfOrder |= field.Number < lastNumber;
                        lastNumber = field.Number;
                    }

                    continue;
                }

                if (field.OneofIndex >= 0 && oneofCases[field.OneofIndex] >= 0)
                {
                    throw new ProtoJsonException(
                        $"multiple values for oneof '{plan.OneofNames[field.OneofIndex]}' in {plan.FullName}: "
                        + $"'{plan.Fields[oneofCases[field.OneofIndex]].JsonNameText}' and '{field.JsonNameText}'");
                }

                var before = output.Position;
                WriteField(field, boundIndex >= 0 ? bound![boundIndex] : null);
                if (boundIndex >= 0)
                {
                    boundWritten[boundIndex] = true;
                }

                if (output.Position == before)
                {
                    continue;
                }

                writtenWord |= isWrittenBit;
                if (field.OneofIndex >= 0)
                {
                    oneofCases[field.OneofIndex] = field.Index;
                }

                outOfOrder |= field.Number < lastNumber;
                lastNumber = field.Number;
            }
            catch (ProtoJsonException ex)
            {
                ex.AtProperty(name.Text);
                throw;
            }
        }

        if (bound is not null)
        {
            WriteBoundBefore(bound, boundWritten, ref boundCursor, int.MaxValue, written, ref lastNumber, ref outOfOrder);
        }

        if (supersededBefore is not null)
        {
            CanonicalOrder.RemoveSuperseded(ref output, messageStart, plan, supersededBefore);
        }

        if (outOfOrder)
        {
            CanonicalOrder.SortByFieldNumber(ref output, messageStart);
        }
    }

    /// <summary>
    /// Writes the bound fields numbered below <paramref name="number"/> that no member has written yet. A body value
    /// that comes later for one of them (JSON out of field order) writes body and bindings again, and must supersede
    /// this record: <paramref name="written"/> says so, unless the bound value replaces the body's anyway.
    /// </summary>
    private void WriteBoundBefore(
        BoundMessage bound, scoped Span<bool> boundWritten, ref int cursor, int number, scoped Span<ulong> written, ref int lastNumber, ref bool outOfOrder)
    {
        for (; cursor < bound.Count && bound[cursor].Field.Number < number; cursor++)
        {
            if (boundWritten[cursor])
            {
                continue;
            }

            boundWritten[cursor] = true;
            var field = bound[cursor];
            var start = output.Position;
            BoundFieldWriter.Write(ref output, field);
            if (output.Position == start)
            {
                continue;
            }

            if (!written.IsEmpty && !field.ReplacesBodyValue)
            {
                written[field.Field.Index >> 6] |= 1UL << (field.Field.Index & 63);
            }

            outOfOrder |= field.Field.Number < lastNumber;
            lastNumber = field.Field.Number;
        }
    }

    /// <summary>
    /// Whether a bound value takes the place of the body's value for <paramref name="field"/> rather than merging with
    /// it: its own (at <paramref name="boundIndex"/> in <paramref name="bound"/>, or -1), or another member of its oneof.
    /// </summary>
    private static bool ReplacesBodyValue(BoundMessage bound, int boundIndex, FieldPlan field) =>
        boundIndex >= 0 ? bound[boundIndex].ReplacesBodyValue : bound.BindsOtherOneofMember(field);

    /// <summary>Checks the body's value for a field that a binding replaces, then drops it.</summary>
    private void WriteDiscarded(FieldPlan field)
    {
        var before = output.Position;
        if (reader.TokenType != JsonTokenType.Null || (!field.IsRepeated && !field.IsMap && field.ElementAcceptsNull))
        {
            WriteField(field);
        }

        output.Truncate(before);
    }

    /// <summary>
    /// Encodes the body as the value of <paramref name="field"/> of a message whose other fields come from
    /// <paramref name="bound"/> alone (an HTTP rule's <c>body: "field"</c>), all in field-number order.
    /// </summary>
    private void WriteBodyField(FieldPlan field, BoundMessage bound)
    {
        var boundCount = bound.Count;
        Span<bool> boundWritten = boundCount <= 64 ? stackalloc bool[boundCount] : new bool[boundCount];
        var cursor = 0;
        var lastNumber = 0;
        var outOfOrder = false;
        WriteBoundBefore(bound, boundWritten, ref cursor, field.Number, [], ref lastNumber, ref outOfOrder);
        var boundIndex = bound.IndexOf(field.Index);
        if (ReplacesBodyValue(bound, boundIndex, field))
        {
            try
            {
                WriteDiscarded(field);
            }
            catch (ProtoJsonException ex)
            {
                ex.AtProperty(field.ProtoNameText);
                throw;
            }
        }
        else
        {
            if (boundIndex >= 0)
            {
                boundWritten[boundIndex] = true;
            }

            WriteSingleMember(field, boundIndex >= 0 ? bound[boundIndex] : null);
        }

        WriteBoundBefore(bound, boundWritten, ref cursor, int.MaxValue, [], ref lastNumber, ref outOfOrder);
    }

    /// <summary>Encodes the current JSON value as the one member <paramref name="field"/>, with <paramref name="bound"/> merged in; errors name it as a property.</summary>
    private void WriteSingleMember(FieldPlan field, BoundField? bound)
    {
        try
        {
            if (reader.TokenType != JsonTokenType.Null || (!field.IsRepeated && !field.IsMap && field.ElementAcceptsNull))
            {
                WriteField(field, bound);
            }
            else if (bound is not null)
            {
                BoundFieldWriter.Write(ref output, bound);
            }
        }
        catch (ProtoJsonException ex)
        {
            ex.AtProperty(field.ProtoNameText);
            throw;
        }
    }

    private void WriteField(FieldPlan field, BoundField? bound = null)
    {
        if (field.IsMap)
        {
            WriteMap(field, bound);
        }
        else if (field.IsRepeated)
        {
            WriteRepeated(field, bound);
        }
        else
        {
            WriteSingular(field, skipDefault: !field.HasPresence, bound?.Message);
        }
    }

    private void WriteSingular(FieldPlan field, bool skipDefault, BoundMessage? bound = null)
    {
        switch (field.Type)
        {
            case FieldType.Message or FieldType.Group:
                WriteMessageField(field, bound);
                break;
            case FieldType.String:
                WriteString(field.Tag, skipDefault);
                break;
            case FieldType.Bytes:
                WriteBytes(field.Tag, skipDefault);
                break;
            default:
                if (TryReadScalar(field, out var bits) && !(skipDefault && bits == 0))
                {
                    output.WriteVarint(field.Tag);
                    output.WriteScalar(field.WireType, bits);
                }

                break;
        }
    }

    private void WriteMessageField(FieldPlan field, BoundMessage? bound)
    {
        if (field.Type == FieldType.Group)
        {
            output.WriteVarint(field.Tag);
            WriteMessageBody(field.Message, bound);
            output.WriteVarint(Varint.MakeTag(field.Number, WireType.EndGroup));
            return;
        }

        output.WriteVarint(field.Tag);
        var start = output.BeginLengthDelimited();
        WriteMessageBody(field.Message, bound);
        output.EndLengthDelimited(start);
    }

    private void WriteRepeated(FieldPlan field, BoundField? bound)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch($"an array for repeated field '{field.JsonNameText}'");
        }

        EnterContainer();
        var packedTagPosition = output.Position;
        var packedStart = 0;
        if (field.IsPacked)
        {
            output.WriteVarint(field.PackedTag);
            packedStart = output.BeginLengthDelimited();
        }

        for (var index = 0; ; index++)
        {
            Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            try
            {
                if (reader.TokenType == JsonTokenType.Null && !field.ElementAcceptsNull)
                {
                    throw new ProtoJsonException($"null is not allowed as an element of repeated field '{field.JsonNameText}'");
                }

                if (field.IsPacked)
                {
                    if (TryReadScalar(field, out var bits))
                    {
                        output.WriteScalar(field.WireType, bits);
                    }
                }
                else
                {
                    WriteSingular(field, skipDefault: false);
                }
            }
            catch (ProtoJsonException ex)
            {
                ex.AtIndex(index);
                throw;
            }
        }

        if (bound is not null)
        {
            // Packed values inside the one packed record, records after the body's.
            output.WriteBytes(bound.Elements);
        }

        if (field.IsPacked)
        {
            if (output.Position == packedStart)
            {
                output.Truncate(packedTagPosition);
            }
            else
            {
                output.EndLengthDelimited(packedStart);
            }
        }
    }

    /// <summary>Encodes a map; an entry whose key is bound takes the bound value in its place, and bound keys the body lacks follow.</summary>
    private void WriteMap(FieldPlan field, BoundField? bound)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Mismatch($"an object for map field '{field.JsonNameText}'");
        }

        EnterContainer();
        var keyField = field.MapKey;
        var valueField = field.MapValue;
        var boundCount = bound?.MapEntries.Count ?? 0;
        Span<bool> boundWritten = boundCount <= 64 ? stackalloc bool[boundCount] : new bool[boundCount];
        while (true)
        {
            Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            var keyTokenStart = (int)reader.TokenStartIndex;
            try
            {
                var entryTagPosition = output.Position;
                output.WriteVarint(field.Tag);
                var entryStart = output.BeginLengthDelimited();
                WriteMapKey(keyField);
                var boundEntry = bound?.IndexOfKey(output.WrittenFrom(entryStart)) ?? -1;
                Read();
                if (reader.TokenType == JsonTokenType.Null && !valueField.ElementAcceptsNull)
                {
                    throw new ProtoJsonException($"null is not allowed as a value of map field '{field.JsonNameText}'");
                }

                if (valueField.Type is FieldType.Message or FieldType.String or FieldType.Bytes)
                {
                    WriteSingular(valueField, skipDefault: true);
                }
                else if (TryReadScalar(valueField, out var bits))
                {
                    if (bits != 0)
                    {
                        output.WriteVarint(valueField.Tag);
                        output.WriteScalar(valueField.WireType, bits);
                    }
                }
                else
                {
                    // An unknown enum name under IgnoreUnknownFields drops the whole entry.
                    output.Truncate(entryTagPosition);
                    if (boundEntry < 0)
                    {
                        continue;
                    }
                }

                if (boundEntry >= 0)
                {
                    output.Truncate(entryTagPosition);
                    output.WriteBytes(bound!.MapEntries[boundEntry].EntryRecord);
                    boundWritten[boundEntry] = true;
                    continue;
                }

                output.EndLengthDelimited(entryStart);
            }
            catch (ProtoJsonException ex)
            {
                ex.AtMapKey(StringAt(keyTokenStart));
                throw;
            }
        }

        for (var i = 0; i < boundCount; i++)
        {
            if (!boundWritten[i])
            {
                output.WriteBytes(bound!.MapEntries[i].EntryRecord);
            }
        }
    }

    private void WriteMapKey(FieldPlan keyField)
    {
        var text = PropertyName();
        ulong bits;
        switch (keyField.Type)
        {
            case FieldType.String:
                if (!Utf8.IsValid(text))
                {
                    throw new ProtoJsonException("map key is not valid UTF-8");
                }

                if (!text.IsEmpty)
                {
                    output.WriteLengthDelimited(keyField.Tag, text);
                }

                return;
            case FieldType.Bool:
                if (text.SequenceEqual("true"u8))
                {
                    bits = 1;
                }
                else if (text.SequenceEqual("false"u8))
                {
                    bits = 0;
                }
                else
                {
                    throw new ProtoJsonException($"expected a bool map key (\"true\" or \"false\") but got {ScalarText.Quote(text)}");
                }

                break;
            default:
                ScalarText.ParseInteger(keyField.Type, text, quoted: true, out bits);
                break;
        }

        if (bits != 0)
        {
            output.WriteVarint(keyField.Tag);
            output.WriteScalar(keyField.WireType, bits);
        }
    }

    /// <summary>
    /// Reads a numeric, bool or enum value at the current token. Returns false only for an unknown enum
    /// name under <see cref="JsonReadOptions.IgnoreUnknownFields"/>, which the spec treats as unset.
    /// </summary>
    private bool TryReadScalar(FieldPlan field, out ulong bits)
    {
        var type = field.Type;
        switch (type)
        {
            case FieldType.Bool:
                bits = reader.TokenType switch
                {
                    JsonTokenType.True => 1,
                    JsonTokenType.False => 0,
                    _ => throw Mismatch(ScalarText.Describe(type)),
                };
                return true;
            case FieldType.Enum:
                return TryReadEnum(field.Enum, out bits);
            case FieldType.Float or FieldType.Double:
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        ScalarText.ParseFloatingPoint(type, reader.ValueSpan, quoted: false, out bits);
                        return true;
                    case JsonTokenType.String:
                        ScalarText.ParseFloatingPoint(type, StringValue(), quoted: true, out bits);
                        return true;
                    default:
                        throw Mismatch(ScalarText.Describe(type));
                }

            default:
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        ScalarText.ParseInteger(type, reader.ValueSpan, quoted: false, out bits);
                        return true;
                    case JsonTokenType.String:
                        ScalarText.ParseInteger(type, StringValue(), quoted: true, out bits);
                        return true;
                    default:
                        throw Mismatch(ScalarText.Describe(type));
                }
        }
    }

    private bool TryReadEnum(EnumPlan plan, out ulong bits)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var name = StringValue();
                if (plan.TryGetNumber(name, out var number))
                {
                    bits = (ulong)(long)number;
                    return true;
                }

                if (options.IgnoreUnknownFields)
                {
                    bits = 0;
                    return false;
                }

                throw new ProtoJsonException($"'{Encoding.UTF8.GetString(name)}' is not a value of enum {plan.FullName}");
            case JsonTokenType.Number:
                try
                {
                    ScalarText.ParseInteger(FieldType.Enum, reader.ValueSpan, quoted: false, out bits);
                }
                catch (ProtoJsonException)
                {
                    throw Mismatch($"a value of enum {plan.FullName}");
                }

                return true;
            case JsonTokenType.Null when plan.IsNullValue:
                bits = 0;
                return true;
            default:
                throw Mismatch($"a value of enum {plan.FullName}");
        }
    }

    private void WriteString(uint tag, bool skipEmpty)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch("a string");
        }

        var text = ValidatedStringValue();
        if (!(skipEmpty && text.IsEmpty))
        {
            output.WriteLengthDelimited(tag, text);
        }
    }

    private void WriteBytes(uint tag, bool skipEmpty)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch(ScalarText.Describe(FieldType.Bytes));
        }

        var text = StringValue();
        if (skipEmpty && text.IsEmpty)
        {
            return;
        }

        var tagPosition = output.Position;
        output.WriteVarint(tag);
        var start = output.BeginLengthDelimited();
        if (!Base64Text.TryDecode(text, output.GetSpan(Base64Text.MaxDecodedLength(text.Length)), out var written))
        {
            output.Truncate(tagPosition);
            throw Mismatch(ScalarText.Describe(FieldType.Bytes));
        }

        output.Advance(written);
        output.EndLengthDelimited(start);
    }

    private void WriteAny()
    {
        ExpectStartObject("google.protobuf.Any");
        var objectStart = reader;
        string? typeUrl = null;
        var typeFirst = false;
        for (var memberIndex = 0; ; memberIndex++)
        {
            Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                if (typeUrl is null && memberIndex == 0)
                {
                    return;
                }

                break;
            }

            var isType = PropertyNameIs(TypeProperty);
            Read();
            if (!isType)
            {
                SkipValue();
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                throw Mismatch("a type URL string").AtProperty("@type");
            }

            if (typeUrl is not null)
            {
                throw DuplicateTypeProperty();
            }

            try
            {
                typeUrl = Encoding.UTF8.GetString(ValidatedStringValue());
            }
            catch (ProtoJsonException ex)
            {
                ex.AtProperty("@type");
                throw;
            }

            if (memberIndex == 0)
            {
                typeFirst = true;
                break;
            }
        }

        if (typeUrl is null)
        {
            throw new ProtoJsonException("google.protobuf.Any is missing its '@type' property");
        }

        if (!typeFirst)
        {
            // '@type' came after other members: re-read the object now that the payload type is known.
            reader = objectStart;
        }

        var payload = plans.GetMessagePlan(ResolveTypeUrl(typeUrl));
        var urlLength = Encoding.UTF8.GetByteCount(typeUrl);
        output.WriteVarint(Varint.MakeTag(1, WireType.LengthDelimited));
        output.WriteVarint((ulong)urlLength);
        output.Advance(Encoding.UTF8.GetBytes(typeUrl, output.GetSpan(urlLength)));

        var valueTagPosition = output.Position;
        output.WriteVarint(Varint.MakeTag(2, WireType.LengthDelimited));
        var valueStart = output.BeginLengthDelimited();
        // Empty has no special form, but Google.Protobuf writes it as {"@type": …, "value": {}}; accept both.
        if (payload.HasSpecialJson || payload.FullName == EmptyFullName)
        {
            WriteAnySpecialValue(payload, typeAlreadyRead: typeFirst);
        }
        else
        {
            WriteMembers(payload, skipTypeProperty: true, typeAlreadyRead: typeFirst);
        }

        if (output.Position == valueStart)
        {
            output.Truncate(valueTagPosition);
        }
        else
        {
            output.EndLengthDelimited(valueStart);
        }
    }

    // The payload is encoded for the first '@type' before a later one shows up, so "last wins" is impractical,
    // and the spec prefers rejecting duplicates to letting an arbitrary one win.
    private static ProtoJsonException DuplicateTypeProperty() =>
        new ProtoJsonException("duplicate '@type' in google.protobuf.Any").AtProperty("@type");

    private readonly MessageDescriptor ResolveTypeUrl(string typeUrl)
    {
        var slash = typeUrl.LastIndexOf('/');
        if (slash < 0 || slash == typeUrl.Length - 1)
        {
            throw new ProtoJsonException($"invalid type URL '{typeUrl}': expected 'type.googleapis.com/<message full name>'").AtProperty("@type");
        }

        return resolver.FindMessageType(typeUrl[(slash + 1)..])
            ?? throw new ProtoJsonException($"unknown type URL '{typeUrl}' in google.protobuf.Any").AtProperty("@type");
    }

    /// <summary>Well-known payloads with a special JSON form sit under <c>"value"</c>, next to <c>"@type"</c>.</summary>
    private void WriteAnySpecialValue(MessagePlan payload, bool typeAlreadyRead)
    {
        var payloadStart = output.Position;
        var hasValue = false;
        while (true)
        {
            Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                // Unlike fields, a special form cannot be left out: a Value without a kind would have no JSON form.
                if (!hasValue && payload.HasSpecialJson)
                {
                    throw new ProtoJsonException($"google.protobuf.Any holding {payload.FullName} is missing its 'value' property");
                }

                return;
            }

            if (PropertyNameIs(TypeProperty))
            {
                if (typeAlreadyRead)
                {
                    throw DuplicateTypeProperty();
                }

                Read();
                SkipValue();
                continue;
            }

            if (!PropertyNameIs(ValueProperty))
            {
                var unknown = Encoding.UTF8.GetString(PropertyName());
                throw new ProtoJsonException($"unknown field '{unknown}' in google.protobuf.Any holding {payload.FullName} (expected 'value')")
                    .AtProperty(unknown);
            }

            // A repeated "value" key replaces the earlier one, as for any other duplicated key.
            output.Truncate(payloadStart);
            hasValue = true;
            Read();
            try
            {
                WriteMessageBody(payload);
            }
            catch (ProtoJsonException ex)
            {
                ex.AtProperty("value");
                throw;
            }
        }
    }

    private void WriteTimestamp()
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch("an RFC 3339 timestamp string");
        }

        var text = StringValue();
        if (!TimestampText.TryParse(text, out var seconds, out var nanos))
        {
            throw new ProtoJsonException(
                $"{ScalarText.Quote(text)} is not a valid google.protobuf.Timestamp: expected RFC 3339 such as \"1972-01-01T10:00:20.021Z\" "
                + "between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z");
        }

        WriteSecondsAndNanos(seconds, nanos);
    }

    private void WriteDuration()
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch("a duration string such as \"1.5s\"");
        }

        var text = StringValue();
        if (!DurationText.TryParse(text, out var seconds, out var nanos))
        {
            throw new ProtoJsonException(
                $"{ScalarText.Quote(text)} is not a valid google.protobuf.Duration: expected seconds with up to 9 fraction digits "
                + "and an 's' suffix, such as \"-1.5s\", within ±315576000000s");
        }

        WriteSecondsAndNanos(seconds, nanos);
    }

    private void WriteSecondsAndNanos(long seconds, int nanos) => output.WriteSecondsAndNanos(seconds, nanos);

    private void WriteFieldMask()
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch("a field mask string such as \"name,author.displayName\"");
        }

        var text = ValidatedStringValue();
        if (!FieldMaskText.TryWritePaths(text, allowUnderscores: false, ref output, out var refused))
        {
            throw new ProtoJsonException($"field mask path {ScalarText.Quote(text[refused])} is not lowerCamelCase (underscores are not allowed in JSON field masks)");
        }
    }

    private void WriteStruct()
    {
        ExpectStartObject("google.protobuf.Struct");
        var entryTag = Varint.MakeTag(1, WireType.LengthDelimited);
        var keyTag = Varint.MakeTag(1, WireType.LengthDelimited);
        var valueTag = Varint.MakeTag(2, WireType.LengthDelimited);
        while (true)
        {
            Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }

            var keyTokenStart = (int)reader.TokenStartIndex;
            try
            {
                output.WriteVarint(entryTag);
                var entryStart = output.BeginLengthDelimited();
                var key = PropertyName();
                if (!Utf8.IsValid(key))
                {
                    throw new ProtoJsonException("object key is not valid UTF-8");
                }

                if (!key.IsEmpty)
                {
                    output.WriteLengthDelimited(keyTag, key);
                }

                output.WriteVarint(valueTag);
                var valueStart = output.BeginLengthDelimited();
                Read();
                WriteValue();
                output.EndLengthDelimited(valueStart);
                output.EndLengthDelimited(entryStart);
            }
            catch (ProtoJsonException ex)
            {
                ex.AtMapKey(StringAt(keyTokenStart));
                throw;
            }
        }
    }

    /// <summary>Encodes any JSON value as <c>google.protobuf.Value</c>.</summary>
    private void WriteValue()
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                output.WriteVarint(Varint.MakeTag(1, WireType.Varint));
                output.WriteVarint(0);
                break;
            case JsonTokenType.Number:
                ScalarText.ParseFloatingPoint(FieldType.Double, reader.ValueSpan, quoted: false, out var bits);
                output.WriteVarint(Varint.MakeTag(2, WireType.Fixed64));
                output.WriteFixed64(bits);
                break;
            case JsonTokenType.String:
                output.WriteLengthDelimited(Varint.MakeTag(3, WireType.LengthDelimited), ValidatedStringValue());
                break;
            case JsonTokenType.True or JsonTokenType.False:
                output.WriteVarint(Varint.MakeTag(4, WireType.Varint));
                output.WriteVarint(reader.TokenType == JsonTokenType.True ? 1UL : 0UL);
                break;
            case JsonTokenType.StartObject:
                output.WriteVarint(Varint.MakeTag(5, WireType.LengthDelimited));
                var structStart = output.BeginLengthDelimited();
                WriteStruct();
                output.EndLengthDelimited(structStart);
                break;
            default:
                output.WriteVarint(Varint.MakeTag(6, WireType.LengthDelimited));
                var listStart = output.BeginLengthDelimited();
                WriteListValue();
                output.EndLengthDelimited(listStart);
                break;
        }
    }

    private void WriteListValue()
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch("an array for google.protobuf.ListValue");
        }

        EnterContainer();
        var elementTag = Varint.MakeTag(1, WireType.LengthDelimited);
        for (var index = 0; ; index++)
        {
            Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            try
            {
                output.WriteVarint(elementTag);
                var start = output.BeginLengthDelimited();
                WriteValue();
                output.EndLengthDelimited(start);
            }
            catch (ProtoJsonException ex)
            {
                ex.AtIndex(index);
                throw;
            }
        }
    }

    /// <summary>Skips the value at the current token, enforcing the depth limit without recursion.</summary>
    private void SkipValue()
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        EnterContainer();
        var depth = reader.CurrentDepth;
        do
        {
            Read();
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                EnterContainer();
            }
        }
        while (reader.CurrentDepth > depth);
    }

    /// <summary>The current property name as UTF-8, unescaped only when it contains escapes.</summary>
    private ReadOnlySpan<byte> PropertyName() => StringValue();

    // Unlike Utf8JsonReader.ValueTextEquals, reports a name with invalid escapes as a ProtoJsonException.
    private bool PropertyNameIs(ReadOnlySpan<byte> name) => PropertyName().SequenceEqual(name);

    /// <summary>The current string or property name as UTF-8; valid until the next call.</summary>
    private ReadOnlySpan<byte> StringValue()
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        var escapedLength = reader.ValueSpan.Length;
        if (scratch.Length < escapedLength)
        {
            if (scratch.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }

            scratch = ArrayPool<byte>.Shared.Rent(escapedLength);
        }

        try
        {
            return scratch.AsSpan(0, reader.CopyString(scratch));
        }
        catch (InvalidOperationException ex)
        {
            throw new ProtoJsonException("invalid string: " + ex.Message, ex);
        }
    }

    private ReadOnlySpan<byte> ValidatedStringValue()
    {
        var text = StringValue();
        return Utf8.IsValid(text) ? text : throw new ProtoJsonException("string is not valid UTF-8");
    }

    /// <summary>Decodes the JSON string starting at <paramref name="offset"/>; only used to describe errors.</summary>
    private readonly string StringAt(int offset)
    {
        var reader = new Utf8JsonReader(json[offset..]);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString()! : "?";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return "?";
        }
    }

    private ProtoJsonException Mismatch(string expected) => new($"expected {expected} but got {DescribeToken()}");

    private string DescribeToken()
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return Encoding.UTF8.GetString(reader.ValueSpan);
            case JsonTokenType.String:
                try
                {
                    return ScalarText.Quote(StringValue());
                }
                catch (ProtoJsonException)
                {
                    return "a string";
                }

            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Null:
                return "null";
            case JsonTokenType.StartObject:
                return "an object";
            case JsonTokenType.StartArray:
                return "an array";
            default:
                return reader.TokenType.ToString();
        }
    }
}
