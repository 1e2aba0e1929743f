using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>
/// Writes protobuf bytes as ProtoJSON without materialising messages. One instance per call.
/// </summary>
/// <remarks>
/// Each message is first scanned into <see cref="FieldRecord"/>s (where each field's bytes are), kept on
/// one pooled stack shared by all nesting levels. Grouping the records by field gives the protobuf
/// semantics that a single forward pass cannot: non-contiguous repeated elements form one array, the last
/// occurrence of a singular scalar wins, and repeated occurrences of a message field merge (their records
/// are passed on as the segments of the nested message).
/// </remarks>
internal ref struct ProtobufToJson
{
    private const int InitialRecordCapacity = 64;
    private const int MaxInt64TextLength = 20; // "-9223372036854775808" or "18446744073709551615"
    private const int SmallMapEntries = 8;
    private static readonly JsonEncodedText NaNText = JsonEncodedText.Encode("NaN");
    private static readonly JsonEncodedText InfinityText = JsonEncodedText.Encode("Infinity");
    private static readonly JsonEncodedText NegativeInfinityText = JsonEncodedText.Encode("-Infinity");
    private static readonly JsonEncodedText TypeProperty = JsonEncodedText.Encode("@type");
    private static readonly JsonEncodedText ValueProperty = JsonEncodedText.Encode("value");

    private readonly ReadOnlySpan<byte> data;
    private readonly Utf8JsonWriter writer;
    private readonly PlanCache plans;
    private readonly IMessageTypeResolver resolver;
    private readonly JsonWriteOptions options;
    private FieldRecord[] records;
    private int recordCount;

    private ProtobufToJson(ReadOnlySpan<byte> data, Utf8JsonWriter writer, PlanCache plans, IMessageTypeResolver resolver, JsonWriteOptions options)
    {
        this.data = data;
        this.writer = writer;
        this.plans = plans;
        this.resolver = resolver;
        this.options = options;
        records = ArrayPool<FieldRecord>.Shared.Rent(InitialRecordCapacity);
        recordCount = 0;
    }

    public static void Transcode(
        ReadOnlySpan<byte> data,
        MessagePlan plan,
        PlanCache plans,
        IMessageTypeResolver resolver,
        JsonWriteOptions options,
        Utf8JsonWriter writer)
    {
        var transcoder = new ProtobufToJson(data, writer, plans, resolver, options);
        try
        {
            var root = transcoder.Push(new FieldRecord(-1, WireType.LengthDelimited, 0, data.Length));
            transcoder.WriteMessage(plan, root, 1, depth: 1);
        }
        finally
        {
            ArrayPool<FieldRecord>.Shared.Return(transcoder.records);
        }
    }

    /// <summary>Writes only the value of <paramref name="field"/> of the message <paramref name="plan"/> in <paramref name="data"/>.</summary>
    public static void TranscodeField(
        ReadOnlySpan<byte> data,
        MessagePlan plan,
        FieldPlan field,
        PlanCache plans,
        IMessageTypeResolver resolver,
        JsonWriteOptions options,
        Utf8JsonWriter writer)
    {
        var transcoder = new ProtobufToJson(data, writer, plans, resolver, options);
        try
        {
            var root = transcoder.Push(new FieldRecord(-1, WireType.LengthDelimited, 0, data.Length));
            transcoder.WriteOneField(plan, field, root);
        }
        finally
        {
            ArrayPool<FieldRecord>.Shared.Return(transcoder.records);
        }
    }

    private void WriteOneField(MessagePlan plan, FieldPlan field, int segment)
    {
        var oneofCount = plan.OneofNames.Length;
        Span<int> oneofCases = oneofCount <= 64 ? stackalloc int[oneofCount] : new int[oneofCount];
        var recordsStart = Scan(plan, segment, 1, oneofCases);
        var groupStart = recordsStart;
        while (groupStart < recordCount && records[groupStart].FieldIndex != field.Index)
        {
            groupStart++;
        }

        var groupEnd = groupStart;
        while (groupEnd < recordCount && records[groupEnd].FieldIndex == field.Index)
        {
            groupEnd++;
        }

        var present = groupEnd > groupStart && (field.OneofIndex < 0 || oneofCases[field.OneofIndex] == field.Index);
        if (present)
        {
            WriteFieldValue(field, groupStart, groupEnd - groupStart, depth: 1);
        }
        else if (field.HasPresence)
        {
            writer.WriteNullValue();
        }
        else
        {
            WriteDefault(field);
        }

        recordCount = recordsStart;
    }

    private int Push(FieldRecord record)
    {
        if (recordCount == records.Length)
        {
            EnsureRecordCapacity(recordCount + 1);
        }

        records[recordCount] = record;
        return recordCount++;
    }

    private void EnsureRecordCapacity(int capacity)
    {
        if (capacity <= records.Length)
        {
            return;
        }

        var next = ArrayPool<FieldRecord>.Shared.Rent(Math.Max(capacity, records.Length * 2));
        records.AsSpan(0, recordCount).CopyTo(next);
        ArrayPool<FieldRecord>.Shared.Return(records);
        records = next;
    }

    /// <summary>Writes the message whose bytes are the concatenation of the given segment records.</summary>
    private void WriteMessage(MessagePlan plan, int segmentStart, int segmentCount, int depth)
    {
        CheckDepth(depth);
        switch (plan.Kind)
        {
            case WellKnownType.None:
                writer.WriteStartObject();
                WriteFields(plan, segmentStart, segmentCount, depth);
                writer.WriteEndObject();
                break;
            case WellKnownType.Any:
                WriteAny(plan, segmentStart, segmentCount, depth);
                break;
            case WellKnownType.Timestamp:
                WriteTimestamp(plan, segmentStart, segmentCount);
                break;
            case WellKnownType.Duration:
                WriteDuration(plan, segmentStart, segmentCount);
                break;
            case WellKnownType.FieldMask:
                WriteFieldMask(plan, segmentStart, segmentCount);
                break;
            case WellKnownType.Struct:
                WriteStruct(plan, segmentStart, segmentCount, depth);
                break;
            case WellKnownType.Value:
                WriteValue(plan, segmentStart, segmentCount, depth);
                break;
            case WellKnownType.ListValue:
                WriteListValue(plan, segmentStart, segmentCount, depth);
                break;
            default:
                WriteWrapper(plan, segmentStart, segmentCount);
                break;
        }
    }

    private readonly void CheckDepth(int depth)
    {
        if (depth > options.MaxDepth)
        {
            throw new ProtobufFormatException($"malformed protobuf: messages are nested deeper than {options.MaxDepth} levels");
        }
    }

    /// <summary>Writes the members of a message (without braces) in field-number order.</summary>
    private void WriteFields(MessagePlan plan, int segmentStart, int segmentCount, int depth)
    {
        var oneofCount = plan.OneofNames.Length;
        Span<int> oneofCases = oneofCount <= 64 ? stackalloc int[oneofCount] : new int[oneofCount];
        var recordsStart = Scan(plan, segmentStart, segmentCount, oneofCases);
        var recordsEnd = recordCount;
        var next = recordsStart;
        foreach (var field in plan.Fields)
        {
            var groupStart = next;
            while (next < recordsEnd && records[next].FieldIndex == field.Index)
            {
                next++;
            }

            if (groupStart == next || HoldsDefault(field, groupStart, next))
            {
                if (options.EmitUnpopulated && !field.HasPresence)
                {
                    WritePropertyName(field);
                    WriteDefault(field);
                }

                continue;
            }

            if (field.OneofIndex >= 0 && oneofCases[field.OneofIndex] != field.Index)
            {
                for (var i = groupStart; i < next; i++)
                {
                    CheckUnwritten(field, i, depth);
                }

                continue;
            }

            WritePropertyName(field);
            WriteFieldValue(field, groupStart, next - groupStart, depth);
        }

        recordCount = recordsStart;
    }

    /// <summary>
    /// Whether a field that is on the wire still holds its default, which ProtoJSON omits as if it were
    /// absent: a repeated field with nothing but empty packed runs, or a singular field without presence
    /// whose last value is the default (an explicit zero, or a zero after other values).
    /// </summary>
    private readonly bool HoldsDefault(FieldPlan field, int groupStart, int groupEnd)
    {
        if (field.IsRepeated)
        {
            if (!field.IsPackable)
            {
                return false;
            }

            for (var i = groupStart; i < groupEnd; i++)
            {
                if (records[i].WireType != WireType.LengthDelimited || records[i].Length > 0)
                {
                    return false;
                }
            }

            return true;
        }

        if (field.HasPresence || field.IsMap)
        {
            return false;
        }

        var last = records[groupEnd - 1];
        if (field.Type is FieldType.String or FieldType.Bytes)
        {
            return last.Length == 0;
        }

        var bits = last.Bits;

        // 32-bit varint types keep only the low 32 bits, as WriteNumeric does; -0.0 has a bit set, so it is not a default.
        return field.Type is FieldType.Int32 or FieldType.SInt32 or FieldType.UInt32 or FieldType.Enum ? (uint)bits == 0 : bits == 0;
    }

    /// <summary>
    /// Records the known fields of the message formed by the segments, grouped by field index (in wire
    /// order within a field). Returns where the records start; they end at <see cref="recordCount"/>.
    /// <paramref name="oneofCases"/> receives, per oneof, the index of the member that appeared last.
    /// </summary>
    private int Scan(MessagePlan plan, int segmentStart, int segmentCount, scoped Span<int> oneofCases)
    {
        oneofCases.Fill(-1);
        var recordsStart = recordCount;
        var grouped = true;
        var lastIndex = -1;
        for (var s = 0; s < segmentCount; s++)
        {
            var segment = records[segmentStart + s];
            var position = segment.Start;
            var end = segment.Start + segment.Length;
            while (position < end)
            {
                ReadField(ref position, end, out var tagStart, out var number, out var wireType, out var contentStart, out var contentEnd, out var bits);
                if (plan.FindByNumber(number) is not { } field)
                {
                    continue;
                }

                if (wireType != field.WireType && !(field.IsPackable && wireType == WireType.LengthDelimited))
                {
                    throw WireReader.Malformed(
                        $"field {plan.FullName}.{field.ProtoNameText} (number {number}) has wire type {(int)wireType}, expected {(int)field.WireType}",
                        tagStart);
                }

                Push(new FieldRecord(field.Index, wireType, contentStart, contentEnd - contentStart, bits));
                grouped &= field.Index >= lastIndex;
                lastIndex = field.Index;
                if (field.OneofIndex >= 0)
                {
                    oneofCases[field.OneofIndex] = field.Index;
                }
            }
        }

        if (!grouped)
        {
            GroupByField(recordsStart, plan.Fields.Length);
        }

        return recordsStart;
    }

    /// <summary>Stable counting sort of the records above <paramref name="recordsStart"/> by field index.</summary>
    private void GroupByField(int recordsStart, int fieldCount)
    {
        var count = recordCount - recordsStart;
        var offsets = ArrayPool<int>.Shared.Rent(fieldCount + 1);
        try
        {
            Array.Clear(offsets, 0, fieldCount + 1);
            for (var i = recordsStart; i < recordCount; i++)
            {
                offsets[records[i].FieldIndex + 1]++;
            }

            for (var i = 1; i <= fieldCount; i++)
            {
                offsets[i] += offsets[i - 1];
            }

            EnsureRecordCapacity(recordCount + count);
            var scratch = records.AsSpan(recordCount, count);
            for (var i = recordsStart; i < recordCount; i++)
            {
                scratch[offsets[records[i].FieldIndex]++] = records[i];
            }

            scratch.CopyTo(records.AsSpan(recordsStart, count));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
        }
    }

    private void WriteFieldValue(FieldPlan field, int groupStart, int groupCount, int depth)
    {
        if (field.IsMap)
        {
            WriteMap(field, groupStart, groupCount, depth);
        }
        else if (field.IsRepeated)
        {
            writer.WriteStartArray();
            for (var i = groupStart; i < groupStart + groupCount; i++)
            {
                var record = records[i];
                if (field.Type is FieldType.Message or FieldType.Group)
                {
                    WriteMessage(field.Message, i, 1, depth + 1);
                }
                else if (field.IsPackable && record.WireType == WireType.LengthDelimited)
                {
                    WritePacked(field, record);
                }
                else
                {
                    WriteScalar(field, record);
                }
            }

            writer.WriteEndArray();
        }
        else if (field.Type is FieldType.Message or FieldType.Group)
        {
            WriteMessage(field.Message, groupStart, groupCount, depth + 1);
        }
        else
        {
            WriteScalar(field, records[groupStart + groupCount - 1]);
        }
    }

    /// <summary>
    /// Checks the wire format and UTF-8 of a value that is never written (a oneof member or map entry that a
    /// later one replaces): it is still part of the input, and malformed input is rejected wherever it is.
    /// </summary>
    private void CheckUnwritten(FieldPlan field, int recordIndex, int depth)
    {
        var record = records[recordIndex];
        if (field.IsMap)
        {
            var valuesStart = recordCount;
            var key = ParseEntry(field, record, out var valueCount);
            if (field.MapKey.Type == FieldType.String && key.Length > 0 && !Utf8.IsValid(data.Slice(key.Start, key.Length)))
            {
                throw WireReader.Malformed("map key is not valid UTF-8", key.Start);
            }

            for (var i = valuesStart; i < valuesStart + valueCount; i++)
            {
                CheckUnwritten(field.MapValue, i, depth + 1);
            }

            recordCount = valuesStart;
        }
        else if (field.Type is FieldType.Message or FieldType.Group)
        {
            CheckDepth(depth + 1);
            var plan = field.Message;
            var oneofCount = plan.OneofNames.Length;
            Span<int> oneofCases = oneofCount <= 64 ? stackalloc int[oneofCount] : new int[oneofCount];
            var recordsStart = Scan(plan, recordIndex, 1, oneofCases);
            var recordsEnd = recordCount;
            for (var i = recordsStart; i < recordsEnd; i++)
            {
                CheckUnwritten(plan.Fields[records[i].FieldIndex], i, depth + 1);
            }

            recordCount = recordsStart;
        }
        else if (field.Type == FieldType.String && !Utf8.IsValid(data.Slice(record.Start, record.Length)))
        {
            throw WireReader.Malformed($"string field {field.ProtoNameText} is not valid UTF-8", record.Start);
        }
        else if (field.IsPackable && record.WireType == WireType.LengthDelimited)
        {
            WritePacked(field, record, write: false);
        }
    }

    private void WritePacked(FieldPlan field, FieldRecord record, bool write = true)
    {
        var position = record.Start;
        var end = record.Start + record.Length;
        var elementSize = field.WireType switch
        {
            WireType.Fixed32 => 4,
            WireType.Fixed64 => 8,
            _ => 0,
        };
        if (elementSize != 0 && record.Length % elementSize != 0)
        {
            throw WireReader.Malformed($"packed field {field.ProtoNameText} has a length that is not a multiple of {elementSize}", record.Start);
        }

        while (position < end)
        {
            var bits = elementSize switch
            {
                4 => BinaryPrimitives.ReadUInt32LittleEndian(data[position..]),
                8 => BinaryPrimitives.ReadUInt64LittleEndian(data[position..]),
                _ => WireReader.ReadVarint(data[..end], ref position),
            };
            position += elementSize;
            if (write)
            {
                WriteNumeric(field, bits);
            }
        }
    }

    private void WriteScalar(FieldPlan field, FieldRecord record)
    {
        var content = data.Slice(record.Start, record.Length);
        switch (field.Type)
        {
            case FieldType.String:
                if (!Utf8.IsValid(content))
                {
                    throw WireReader.Malformed($"string field {field.ProtoNameText} is not valid UTF-8", record.Start);
                }

                writer.WriteStringValue(content);
                return;
            case FieldType.Bytes:
                writer.WriteBase64StringValue(content);
                return;
        }

        WriteNumeric(field, record.Bits);
    }

    private readonly void WriteNumeric(FieldPlan field, ulong bits)
    {
        switch (field.Type)
        {
            case FieldType.Int32:
                writer.WriteNumberValue((int)bits);
                break;
            case FieldType.SInt32:
                writer.WriteNumberValue(Varint.UnZigZag32((uint)bits));
                break;
            case FieldType.SFixed32:
                writer.WriteNumberValue((int)(uint)bits);
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                writer.WriteNumberValue((uint)bits);
                break;
            case FieldType.Int64 or FieldType.SFixed64:
                WriteQuoted((long)bits);
                break;
            case FieldType.SInt64:
                WriteQuoted(Varint.UnZigZag64(bits));
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                WriteQuoted(bits);
                break;
            case FieldType.Float:
                WriteFloat(BitConverter.UInt32BitsToSingle((uint)bits));
                break;
            case FieldType.Double:
                WriteDouble(BitConverter.UInt64BitsToDouble(bits));
                break;
            case FieldType.Bool:
                writer.WriteBooleanValue(bits != 0);
                break;
            default:
                WriteEnum(field.Enum, (int)bits);
                break;
        }
    }

    private readonly void WriteQuoted<T>(T value)
        where T : IUtf8SpanFormattable
    {
        // Digits never need escaping, so the quoted text goes out raw instead of through the writer's escaping scan.
        Span<byte> buffer = stackalloc byte[MaxInt64TextLength + 2];
        value.TryFormat(buffer[1..], out var written, default, null);
        buffer[0] = (byte)'"';
        buffer[written + 1] = (byte)'"';
        writer.WriteRawValue(buffer[..(written + 2)], skipInputValidation: true);
    }

    private readonly void WriteFloat(float value)
    {
        if (!float.IsFinite(value))
        {
            WriteNonFinite(value);
            return;
        }

        Span<byte> text = stackalloc byte[ShortDecimalText.MaxLength];
        if (!TryWriteShortDecimal(text, ShortDecimalText.TryFormat(value, text)))
        {
            writer.WriteNumberValue(value);
        }
    }

    private readonly void WriteDouble(double value)
    {
        if (double.IsFinite(value))
        {
            WriteFiniteDouble(value);
        }
        else
        {
            WriteNonFinite(value);
        }
    }

    private readonly void WriteFiniteDouble(double value)
    {
        Span<byte> text = stackalloc byte[ShortDecimalText.MaxLength];
        if (!TryWriteShortDecimal(text, ShortDecimalText.TryFormat(value, text)))
        {
            writer.WriteNumberValue(value);
        }
    }

    /// <summary>Writes the fast path's text when it produced one (<paramref name="length"/> &gt; 0).</summary>
    private readonly bool TryWriteShortDecimal(ReadOnlySpan<byte> text, int length)
    {
        if (length == 0)
        {
            return false;
        }

        writer.WriteRawValue(text[..length], skipInputValidation: true);
        return true;
    }

    private readonly void WriteNonFinite(double value) =>
        writer.WriteStringValue(double.IsNaN(value) ? NaNText : value > 0 ? InfinityText : NegativeInfinityText);

    private readonly void WriteEnum(EnumPlan plan, int number)
    {
        if (plan.IsNullValue)
        {
            writer.WriteNullValue();
        }
        else if (!options.EnumsAsIntegers && plan.TryGetName(number, out var name))
        {
            writer.WriteStringValue(name);
        }
        else
        {
            writer.WriteNumberValue(number);
        }
    }

    private readonly void WritePropertyName(FieldPlan field) =>
        writer.WritePropertyName(options.UseProtoFieldNames ? field.ProtoName : field.JsonName);

    /// <summary>The value of an absent field without presence, for <see cref="JsonWriteOptions.EmitUnpopulated"/>.</summary>
    private readonly void WriteDefault(FieldPlan field)
    {
        if (field.IsMap)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        if (field.IsRepeated)
        {
            writer.WriteStartArray();
            writer.WriteEndArray();
            return;
        }

        switch (field.Type)
        {
            case FieldType.String or FieldType.Bytes:
                writer.WriteStringValue(""u8);
                break;
            case FieldType.Message or FieldType.Group:
                writer.WriteStartObject();
                writer.WriteEndObject();
                break;
            default:
                WriteNumeric(field, 0);
                break;
        }
    }

    private void WriteMap(FieldPlan field, int entryStart, int entryCount, int depth)
    {
        var keyField = field.MapKey;
        var valueField = field.MapValue;
        var superseded = entryCount > 1 ? FindSupersededEntries(field, entryStart, entryCount) : null;
        try
        {
            writer.WriteStartObject();
            for (var i = 0; i < entryCount; i++)
            {
                if (superseded is not null && superseded[i])
                {
                    CheckUnwritten(field, entryStart + i, depth);
                    continue;
                }

                var entry = records[entryStart + i];
                var valuesStart = recordCount;
                var key = ParseEntry(field, entry, out var valueCount);
                WriteMapKey(keyField, key);
                if (valueField.Type is FieldType.Message or FieldType.Group)
                {
                    WriteMessage(valueField.Message, valuesStart, valueCount, depth + 1);
                }
                else if (valueCount == 0)
                {
                    WriteDefault(valueField);
                }
                else
                {
                    WriteScalar(valueField, records[valuesStart + valueCount - 1]);
                }

                recordCount = valuesStart;
            }

            writer.WriteEndObject();
        }
        finally
        {
            if (superseded is not null)
            {
                ArrayPool<bool>.Shared.Return(superseded);
            }
        }
    }

    /// <summary>
    /// Reads a map entry: returns its key (last occurrence wins; <see cref="FieldRecord.Length"/> of -1 when
    /// absent) and pushes the records of its value field.
    /// </summary>
    // One field of a message or map entry: its number, wire type and the bounds of its content.
    private void ReadField(ref int position, int end, out int tagStart, out int number, out WireType wireType, out int contentStart, out int contentEnd, out ulong bits)
    {
        tagStart = position;
        WireReader.ReadTag(data[..end], ref position, out number, out wireType);
        contentStart = position;
        switch (wireType)
        {
            case WireType.Varint:
                bits = WireReader.ReadVarint(data[..end], ref position);
                break;
            case WireType.Fixed32:
                bits = WireReader.ReadFixed32(data, ref position, end);
                break;
            case WireType.Fixed64:
                bits = WireReader.ReadFixed64(data, ref position, end);
                break;
            case WireType.LengthDelimited:
                bits = 0;
                var length = WireReader.ReadLength(data, ref position, end);
                contentStart = position;
                position += length;
                break;
            case WireType.EndGroup:
                throw WireReader.Malformed($"end-group tag for field {number} without a matching start-group", tagStart);
            default:
                bits = 0;
                WireReader.SkipValue(data, ref position, end, number, wireType, options.MaxDepth, out contentStart, out contentEnd);
                return;
        }

        contentEnd = position;
    }

    private FieldRecord ParseEntry(FieldPlan mapField, FieldRecord entry, out int valueCount)
    {
        var keyField = mapField.MapKey;
        var valueField = mapField.MapValue;
        var key = new FieldRecord(0, keyField.WireType, 0, -1);
        valueCount = 0;
        var position = entry.Start;
        var end = entry.Start + entry.Length;
        while (position < end)
        {
            ReadField(ref position, end, out var tagStart, out var number, out var wireType, out var contentStart, out var contentEnd, out var bits);
            var expected = number switch
            {
                1 => keyField.WireType,
                2 => valueField.WireType,
                _ => wireType,
            };
            if (wireType != expected)
            {
                throw WireReader.Malformed($"entry of map field {mapField.ProtoNameText} has wire type {(int)wireType} for field {number}", tagStart);
            }

            if (number == 1)
            {
                key = new FieldRecord(0, wireType, contentStart, contentEnd - contentStart, bits);
            }
            else if (number == 2)
            {
                Push(new FieldRecord(1, wireType, contentStart, contentEnd - contentStart, bits));
                valueCount++;
            }
        }

        return key;
    }

    private readonly void WriteMapKey(FieldPlan keyField, FieldRecord key)
    {
        if (keyField.Type == FieldType.String)
        {
            var text = key.Length < 0 ? default : data.Slice(key.Start, key.Length);
            if (!Utf8.IsValid(text))
            {
                throw WireReader.Malformed("map key is not valid UTF-8", key.Start);
            }

            writer.WritePropertyName(text);
            return;
        }

        Span<byte> buffer = stackalloc byte[MaxInt64TextLength];
        var written = FormatKey(keyField.Type, key.Bits, buffer);
        writer.WritePropertyName(buffer[..written]);
    }

    /// <summary>Formats a non-string map key as its JSON property name; equal keys give equal text.</summary>
    private static int FormatKey(FieldType type, ulong bits, Span<byte> destination)
    {
        int written;
        switch (type)
        {
            case FieldType.Bool:
                var text = bits != 0 ? "true"u8 : "false"u8;
                text.CopyTo(destination);
                return text.Length;
            case FieldType.Int32 or FieldType.SFixed32:
                ((int)bits).TryFormat(destination, out written);
                return written;
            case FieldType.SInt32:
                Varint.UnZigZag32((uint)bits).TryFormat(destination, out written);
                return written;
            case FieldType.UInt32 or FieldType.Fixed32:
                ((uint)bits).TryFormat(destination, out written);
                return written;
            case FieldType.SInt64:
                Varint.UnZigZag64(bits).TryFormat(destination, out written);
                return written;
            case FieldType.Int64 or FieldType.SFixed64:
                ((long)bits).TryFormat(destination, out written);
                return written;
            default:
                bits.TryFormat(destination, out written);
                return written;
        }
    }

    /// <summary>
    /// Marks entries whose key reappears later in the map (protobuf keeps the last). Keys are compared by
    /// their JSON text after sorting by a randomised hash, so crafted keys cannot force quadratic work.
    /// </summary>
    private bool[] FindSupersededEntries(FieldPlan mapField, int entryStart, int entryCount)
    {
        var keyField = mapField.MapKey;
        var superseded = ArrayPool<bool>.Shared.Rent(entryCount);
        Array.Clear(superseded, 0, entryCount);
        if (entryCount <= SmallMapEntries)
        {
            FindSupersededInSmallMap(mapField, entryStart, entryCount, superseded);
            return superseded;
        }

        var keys = ArrayPool<MapKeyRef>.Shared.Rent(entryCount);
        var formatted = keyField.Type == FieldType.String ? null : ArrayPool<byte>.Shared.Rent(entryCount * MaxInt64TextLength);
        try
        {
            ReadOnlySpan<byte> source = formatted ?? data;
            for (var i = 0; i < entryCount; i++)
            {
                var (start, length) = KeyTextOf(mapField, entryStart + i, formatted.AsSpan(), i);
                keys[i] = new MapKeyRef(i, start, length, Hash(source.Slice(start, length)));
            }

            var sorted = keys.AsSpan(0, entryCount);
            sorted.Sort();
            for (var i = 0; i < entryCount; i++)
            {
                for (var j = i + 1; j < entryCount && sorted[j].Hash == sorted[i].Hash; j++)
                {
                    if (source.Slice(sorted[i].Start, sorted[i].Length).SequenceEqual(source.Slice(sorted[j].Start, sorted[j].Length)))
                    {
                        superseded[sorted[i].Entry] = true;
                        break;
                    }
                }
            }

            return superseded;
        }
        finally
        {
            ArrayPool<MapKeyRef>.Shared.Return(keys);
            if (formatted is not null)
            {
                ArrayPool<byte>.Shared.Return(formatted);
            }
        }
    }

    /// <summary>
    /// Most maps hold a handful of entries: comparing every pair of keys in place is cheaper than hashing and
    /// sorting them, and needs no rented buffers.
    /// </summary>
    private void FindSupersededInSmallMap(FieldPlan mapField, int entryStart, int entryCount, bool[] superseded)
    {
        var isString = mapField.MapKey.Type == FieldType.String;
        Span<int> starts = stackalloc int[SmallMapEntries];
        Span<int> lengths = stackalloc int[SmallMapEntries];
        Span<byte> formatted = stackalloc byte[isString ? 0 : SmallMapEntries * MaxInt64TextLength];
        for (var i = 0; i < entryCount; i++)
        {
            (starts[i], lengths[i]) = KeyTextOf(mapField, entryStart + i, formatted, i);
        }

        ReadOnlySpan<byte> source = isString ? data : formatted;
        for (var i = 0; i < entryCount - 1; i++)
        {
            var text = source.Slice(starts[i], lengths[i]);
            for (var j = i + 1; j < entryCount; j++)
            {
                if (text.SequenceEqual(source.Slice(starts[j], lengths[j])))
                {
                    superseded[i] = true;
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Where the text of a map entry's key lies: in the input for string keys, otherwise formatted into slot
    /// <paramref name="slot"/> of <paramref name="formatted"/>, so that equal keys compare equal as bytes.
    /// </summary>
    private (int Start, int Length) KeyTextOf(FieldPlan mapField, int recordIndex, scoped Span<byte> formatted, int slot)
    {
        var valuesStart = recordCount;
        var key = ParseEntry(mapField, records[recordIndex], out _);
        recordCount = valuesStart;
        if (mapField.MapKey.Type == FieldType.String)
        {
            return (key.Length < 0 ? 0 : key.Start, Math.Max(key.Length, 0));
        }

        var start = slot * MaxInt64TextLength;
        return (start, FormatKey(mapField.MapKey.Type, key.Bits, formatted.Slice(start, MaxInt64TextLength)));
    }

    private static int Hash(ReadOnlySpan<byte> text)
    {
        var hash = default(HashCode);
        hash.AddBytes(text);
        return hash.ToHashCode();
    }

    private void WriteAny(MessagePlan plan, int segmentStart, int segmentCount, int depth)
    {
        Span<int> noOneofs = [];
        var recordsStart = Scan(plan, segmentStart, segmentCount, noOneofs);
        var typeUrlRecord = LastOf(recordsStart, 0);
        var valueRecord = LastOf(recordsStart, 1);
        if (typeUrlRecord < 0)
        {
            if (valueRecord >= 0)
            {
                throw new ProtobufFormatException("google.protobuf.Any has a value but no type URL");
            }

            writer.WriteStartObject();
            writer.WriteEndObject();
            recordCount = recordsStart;
            return;
        }

        var typeUrl = data.Slice(records[typeUrlRecord].Start, records[typeUrlRecord].Length);
        if (!Utf8.IsValid(typeUrl))
        {
            throw WireReader.Malformed("google.protobuf.Any type URL is not valid UTF-8", records[typeUrlRecord].Start);
        }

        var payload = plans.GetMessagePlan(ResolveTypeUrl(Encoding.UTF8.GetString(typeUrl)));
        writer.WriteStartObject();
        writer.WriteString(TypeProperty, typeUrl);
        var valueCount = valueRecord < 0 ? 0 : 1;
        var valueSegment = valueRecord < 0 ? 0 : valueRecord;
        if (payload.HasSpecialJson)
        {
            writer.WritePropertyName(ValueProperty);
            WriteMessage(payload, valueSegment, valueCount, depth + 1);
        }
        else
        {
            CheckDepth(depth + 1);
            WriteFields(payload, valueSegment, valueCount, depth + 1);
        }

        writer.WriteEndObject();
        recordCount = recordsStart;
    }

    private readonly MessageDescriptor ResolveTypeUrl(string typeUrl)
    {
        var slash = typeUrl.LastIndexOf('/');
        var descriptor = slash < 0 ? null : resolver.FindMessageType(typeUrl[(slash + 1)..]);
        return descriptor ?? throw new ProtobufFormatException($"cannot write google.protobuf.Any as JSON: unknown type URL '{typeUrl}'");
    }

    private void WriteTimestamp(MessagePlan plan, int segmentStart, int segmentCount)
    {
        ReadSecondsAndNanos(plan, segmentStart, segmentCount, out var seconds, out var nanos);
        if (!TimestampText.IsValid(seconds, nanos))
        {
            throw new ProtobufFormatException($"google.protobuf.Timestamp {seconds}s {nanos}ns is outside the range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z");
        }

        Span<byte> buffer = stackalloc byte[TimestampText.MaxLength];
        writer.WriteStringValue(buffer[..TimestampText.Format(seconds, nanos, buffer)]);
    }

    private void WriteDuration(MessagePlan plan, int segmentStart, int segmentCount)
    {
        ReadSecondsAndNanos(plan, segmentStart, segmentCount, out var seconds, out var nanos);
        if (!DurationText.IsValid(seconds, nanos))
        {
            throw new ProtobufFormatException($"google.protobuf.Duration {seconds}s {nanos}ns is out of range or has mismatched signs");
        }

        Span<byte> buffer = stackalloc byte[DurationText.MaxLength];
        writer.WriteStringValue(buffer[..DurationText.Format(seconds, nanos, buffer)]);
    }

    private void ReadSecondsAndNanos(MessagePlan plan, int segmentStart, int segmentCount, out long seconds, out int nanos)
    {
        var recordsStart = Scan(plan, segmentStart, segmentCount, []);
        var secondsRecord = LastOf(recordsStart, 0);
        var nanosRecord = LastOf(recordsStart, 1);
        seconds = secondsRecord < 0 ? 0 : (long)records[secondsRecord].Bits;
        nanos = nanosRecord < 0 ? 0 : (int)records[nanosRecord].Bits;
        recordCount = recordsStart;
    }

    private void WriteFieldMask(MessagePlan plan, int segmentStart, int segmentCount)
    {
        var recordsStart = Scan(plan, segmentStart, segmentCount, []);
        var totalLength = 0;
        for (var i = recordsStart; i < recordCount; i++)
        {
            totalLength += records[i].Length + 1;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(totalLength, 1));
        try
        {
            var written = 0;
            for (var i = recordsStart; i < recordCount; i++)
            {
                var path = data.Slice(records[i].Start, records[i].Length);
                if (i > recordsStart)
                {
                    buffer[written++] = (byte)',';
                }

                if (!FieldMaskText.TryToCamelCase(path, buffer.AsSpan(written), out var pathLength))
                {
                    throw new ProtobufFormatException(
                        $"google.protobuf.FieldMask path {ScalarText.Quote(path)} has no ProtoJSON form (it does not round-trip through lowerCamelCase)");
                }

                written += pathLength;
            }

            if (!Utf8.IsValid(buffer.AsSpan(0, written)))
            {
                throw new ProtobufFormatException("google.protobuf.FieldMask path is not valid UTF-8");
            }

            writer.WriteStringValue(buffer.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        recordCount = recordsStart;
    }

    private void WriteStruct(MessagePlan plan, int segmentStart, int segmentCount, int depth)
    {
        var recordsStart = Scan(plan, segmentStart, segmentCount, []);
        WriteMap(plan.Fields[0], recordsStart, recordCount - recordsStart, depth);
        recordCount = recordsStart;
    }

    private void WriteListValue(MessagePlan plan, int segmentStart, int segmentCount, int depth)
    {
        var recordsStart = Scan(plan, segmentStart, segmentCount, []);
        var valuePlan = plan.Fields[0].Message;
        writer.WriteStartArray();
        for (var i = recordsStart; i < recordCount; i++)
        {
            WriteMessage(valuePlan, i, 1, depth + 1);
        }

        writer.WriteEndArray();
        recordCount = recordsStart;
    }

    private void WriteValue(MessagePlan plan, int segmentStart, int segmentCount, int depth)
    {
        Span<int> kind = stackalloc int[1];
        var recordsStart = Scan(plan, segmentStart, segmentCount, kind);
        if (kind[0] < 0)
        {
            throw new ProtobufFormatException("google.protobuf.Value has no kind set, so it has no JSON form");
        }

        var field = plan.Fields[kind[0]];
        var groupStart = recordsStart;
        while (records[groupStart].FieldIndex != field.Index)
        {
            groupStart++;
        }

        var groupEnd = groupStart;
        while (groupEnd < recordCount && records[groupEnd].FieldIndex == field.Index)
        {
            groupEnd++;
        }

        switch (field.Number)
        {
            case 1:
                writer.WriteNullValue();
                break;
            case 2:
                var number = BitConverter.UInt64BitsToDouble(records[groupEnd - 1].Bits);
                if (!double.IsFinite(number))
                {
                    throw new ProtobufFormatException("google.protobuf.Value holds NaN or Infinity, which JSON numbers cannot express");
                }

                WriteFiniteDouble(number);
                break;
            case 5 or 6:
                WriteMessage(field.Message, groupStart, groupEnd - groupStart, depth + 1);
                break;
            default:
                WriteScalar(field, records[groupEnd - 1]);
                break;
        }

        recordCount = recordsStart;
    }

    private void WriteWrapper(MessagePlan plan, int segmentStart, int segmentCount)
    {
        var recordsStart = Scan(plan, segmentStart, segmentCount, []);
        var valueRecord = LastOf(recordsStart, 0);
        if (valueRecord < 0)
        {
            WriteDefault(plan.Fields[0]);
        }
        else
        {
            WriteScalar(plan.Fields[0], records[valueRecord]);
        }

        recordCount = recordsStart;
    }

    /// <summary>Index of the last record of the given field among the grouped records, or -1.</summary>
    private readonly int LastOf(int recordsStart, int fieldIndex)
    {
        var last = -1;
        for (var i = recordsStart; i < recordCount; i++)
        {
            if (records[i].FieldIndex == fieldIndex)
            {
                last = i;
            }
        }

        return last;
    }
}

/// <summary>Where one occurrence of a field lies in the input: its value bytes or payload.</summary>
/// <summary>Where one field's value lies; <see cref="Bits"/> holds a varint or fixed value, decoded once by the scan.</summary>
internal readonly record struct FieldRecord(int FieldIndex, WireType WireType, int Start, int Length, ulong Bits = 0);

/// <summary>A map key located in a byte source, ordered by hash then entry so duplicates end up adjacent.</summary>
internal readonly record struct MapKeyRef(int Entry, int Start, int Length, int Hash) : IComparable<MapKeyRef>
{
    public int CompareTo(MapKeyRef other) => Hash != other.Hash ? Hash.CompareTo(other.Hash) : Entry.CompareTo(other.Entry);
}
