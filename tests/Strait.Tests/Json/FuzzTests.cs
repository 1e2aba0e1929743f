using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

/// <summary>
/// Seeded fuzzing of both directions with mutated valid inputs (<see cref="JsonMutator"/>,
/// <see cref="ProtobufMutator"/>). Each case must either be rejected with the direction's own exception or
/// give output that is valid in turn, and no case may run long. A failure names its case seed;
/// <c>STRAIT_FUZZ_SEED=&lt;seed&gt;</c> reruns just that case.
/// </summary>
public sealed class FuzzTests
{
    internal static readonly MessageDescriptor[] Types =
    [
        Scalars.Descriptor, Repeateds.Descriptor, Optionals.Descriptor, Nested.Descriptor, Oneofs.Descriptor,
        Maps.Descriptor, WellKnown.Descriptor, Names.Descriptor, Everything.Descriptor, Legacy.Descriptor,
    ];

    // Nesting in one format can take up to two levels in the other (a Struct is a Struct and a Value per JSON
    // object; a map value is one message but two JSON objects), so read-backs allow twice the depth.
    private static readonly JsonParser DeepParser = new(JsonParser.Settings.Default.WithTypeRegistry(Registry).WithRecursionLimit(1_000));

    public static TheoryData<int> Batches => ConformanceCases.Batches;

    [Theory]
    [MemberData(nameof(Batches))]
    public void Mutated_JSON_is_rejected_cleanly_or_becomes_valid_protobuf(int batch) => FuzzRunner.Run("JSON", batch, JsonCase);

    [Theory]
    [MemberData(nameof(Batches))]
    public void Mutated_protobuf_is_rejected_cleanly_or_becomes_valid_JSON(int batch) => FuzzRunner.Run("protobuf", batch, ProtobufCase);

    private static void JsonCase(Random random, FuzzCase fuzz)
    {
        var options = random.Next(4) switch
        {
            0 => new JsonReadOptions { IgnoreUnknownFields = true },
            1 => new JsonReadOptions { MaxDepth = random.Next(1, 12) },
            _ => JsonReadOptions.Default,
        };
        var (type, input) = JsonMutator.Create(random, options.MaxDepth);
        fuzz.Set(type, options, input);

        var output = new ArrayBufferWriter<byte>();
        try
        {
            Codec.JsonToBinary(input, type, output, options);
        }
        catch (ProtoJsonException ex)
        {
            Assert.StartsWith("$", ex.JsonPath, StringComparison.Ordinal);
            return;
        }

        // The output is a valid message that has a JSON form, which reads back to the same.
        ParseDeep(type, output.WrittenSpan.ToArray());
        var writeOptions = new JsonWriteOptions { MaxDepth = (2 * options.MaxDepth) + 2 };
        var json = ToJson(output.WrittenSpan, type, writeOptions);
        Assert.Equal(json, ToJson(ToBinary(json, type, options), type, writeOptions));
    }

    private static void ProtobufCase(Random random, FuzzCase fuzz)
    {
        var options = random.Next(5) switch
        {
            0 => new JsonWriteOptions { EmitUnpopulated = true },
            1 => new JsonWriteOptions { UseProtoFieldNames = true },
            2 => new JsonWriteOptions { EnumsAsIntegers = true },
            3 => new JsonWriteOptions { MaxDepth = random.Next(1, 12) },
            _ => JsonWriteOptions.Default,
        };
        var type = Types[random.Next(Types.Length)];
        var input = ProtobufMutator.Create(random, type);
        fuzz.Set(type, options, input);

        string json;
        try
        {
            json = ToJson(input, type, options);
        }
        catch (ProtobufFormatException)
        {
            return;
        }

        using (JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 1_000 }))
        {
        }

        // Google.Protobuf reads the input too: its reading is the reference for what the JSON must say.
        var original = ParseDeep(type, input);

        // A NullValue other than 0 can only be written as null, which reads back as 0.
        var lossy = Contains(original, HasNullValueOtherThanZero);
        var readBack = ToBinary(json, type, new JsonReadOptions { MaxDepth = (2 * options.MaxDepth) + 2 });
        if (!lossy)
        {
            Assert.Equal(json, ToJson(readBack, type, options));
        }

        if (lossy || Contains(original, HasNoCommonJson))
        {
            return;
        }

        var google = DeepParser.Parse(json, type);
        Assert.Equal(ParseDeep(type, readBack), google);

        // Up to the order of map keys, which a repeated key moves.
        AssertJsonEquivalent(Formatter().Format(original), Formatter().Format(google));
    }

    private static bool HasNullValueOtherThanZero(IMessage message) =>
        message.Descriptor.Fields.InDeclarationOrder()
            .Where(field => field.FieldType == FieldType.Enum && field.EnumType.FullName == "google.protobuf.NullValue")
            .SelectMany(field => Values(message, field))
            .Any(value => Convert.ToInt32(value, CultureInfo.InvariantCulture) != 0);

    /// <summary>Values where Strait and Google.Protobuf part ways (see <see cref="GoogleProtobufDeviationTests"/>).</summary>
    private static bool HasNoCommonJson(IMessage message) => message switch
    {
        // Any_without_type_URL_is_an_empty_object
        Google.Protobuf.WellKnownTypes.Any any => any.TypeUrl.Length == 0,
        // Struct_accepts_an_empty_key
        Google.Protobuf.WellKnownTypes.Struct value => value.Fields.ContainsKey(""),
        // FieldMask_path_starting_upper_case_keeps_its_case
        Google.Protobuf.WellKnownTypes.FieldMask mask => mask.Paths.Any(path => path.Split('.').Any(segment => segment.StartsWith('_'))),
        _ => false,
    };

    private static IEnumerable<object> Values(IMessage message, FieldDescriptor field)
    {
        var value = field.Accessor.GetValue(message);
        return field.IsMap ? ((System.Collections.IDictionary)value).Values.Cast<object>()
            : field.IsRepeated ? ((System.Collections.IList)value).Cast<object>()
            : [value];
    }

    /// <summary>Whether the message or one nested in it (Any payloads included) matches.</summary>
    private static bool Contains(IMessage message, Func<IMessage, bool> predicate)
    {
        if (predicate(message))
        {
            return true;
        }

        if (message is Google.Protobuf.WellKnownTypes.Any any)
        {
            return Registry.Find(Google.Protobuf.WellKnownTypes.Any.GetTypeName(any.TypeUrl)) is { } payload
                && Contains(payload.Parser.ParseFrom(any.Value), predicate);
        }

        return message.Descriptor.Fields.InDeclarationOrder()
            .SelectMany(field => Values(message, field))
            .OfType<IMessage>()
            .Any(child => Contains(child, predicate));
    }

    /// <summary>Google.Protobuf's binary parser without its default limit of 100 levels (see <see cref="DeepParser"/>).</summary>
    private static IMessage ParseDeep(MessageDescriptor type, byte[] data)
    {
        var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
        message.MergeFrom(CodedInputStream.CreateWithLimits(new MemoryStream(data), int.MaxValue, 1_000));
        return message;
    }
}

/// <summary>Runs the cases of one batch on a worker thread, failing any case that throws or outlives its time limit.</summary>
internal static class FuzzRunner
{
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(5);

    public static void Run(string direction, int batch, Action<Random, FuzzCase> body)
    {
        var fuzz = new FuzzCase();
        Exception? failure = null;
        var worker = new Thread(() =>
        {
            foreach (var seed in Seeds(batch))
            {
                fuzz.Start(seed);
                try
                {
                    body(new Random(seed), fuzz);
                }
                catch (Exception ex)
                {
                    failure = ex;
                    return;
                }
            }

            fuzz.Finish();
        })
        {
            IsBackground = true,
        };

        worker.Start();
        while (!worker.Join(TimeSpan.FromMilliseconds(50)))
        {
            if (fuzz.Elapsed > CaseLimit)
            {
                Assert.Fail(fuzz.Describe(direction, $"did not finish within {CaseLimit.TotalSeconds} s"));
            }
        }

        if (failure is not null)
        {
            Assert.Fail(fuzz.Describe(direction, failure.ToString()));
        }
    }

    private static IEnumerable<int> Seeds(int batch)
    {
        var only = Environment.GetEnvironmentVariable("STRAIT_FUZZ_SEED");
        if (!string.IsNullOrEmpty(only))
        {
            return batch == 0 ? [int.Parse(only, CultureInfo.InvariantCulture)] : [];
        }

        var count = ConformanceCases.FuzzPerBatch;
        return Enumerable.Range(batch * count, count);
    }
}

/// <summary>The case a fuzz worker is running, shared with the thread that watches it.</summary>
internal sealed class FuzzCase
{
    private readonly Lock gate = new();
    private int seed;
    private long startedAt;
    private string description = "";

    public TimeSpan Elapsed
    {
        get
        {
            lock (gate)
            {
                return startedAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(startedAt);
            }
        }
    }

    public void Start(int seed)
    {
        lock (gate)
        {
            this.seed = seed;
            startedAt = Stopwatch.GetTimestamp();
            description = "";
        }
    }

    public void Finish()
    {
        lock (gate)
        {
            startedAt = 0;
        }
    }

    public void Set(MessageDescriptor type, object options, byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        lock (gate)
        {
            description = $"type {type.FullName}, options {options}\ninput as UTF-8 (lossy): {(text.Length > 4000 ? text[..4000] + "…" : text)}\ninput as base64: {Convert.ToBase64String(input)}";
        }
    }

    public string Describe(string direction, string problem)
    {
        lock (gate)
        {
            return $"{direction} fuzz case {seed} failed (rerun only it with STRAIT_FUZZ_SEED={seed}): {problem}\n{description}";
        }
    }
}

/// <summary>Valid ProtoJSON for a random message with a few random mutations, or a document nested around a depth limit.</summary>
internal static class JsonMutator
{
    private static readonly string[] Snippets =
    [
        "null", "{}", "[]", "\"\"", "true", "-0", "1e3", "1.5", ",", ":", "{", "}", "[", "]", "\"", "\\", "\"@type\"",
        "\"type.googleapis.com/google.protobuf.Value\"", "{\"@type\":\"type.googleapis.com/strait.tests.json.Nested\",\"value\":1}",
        "\"1972-01-01T10:00:20.021Z\"", "\"-1.5s\"", "\"AP8=\"", "\"NaN\"", "\"Infinity\"", "\"COLOR_RED\"", "\"f_int32\":", "\"child\":",
        "\"value\":", "\"fieldMask\":\"a.bC\"", "[null]", "{\"a\":null}", "\"\\u0000\"", "1e-7", "-1",
    ];

    private static readonly string[] Numbers =
    [
        "1e999999999", "-1e999999999", "1e-999999999", new string('9', 400), "0." + new string('0', 5_000) + "1e5001", "-0", "-0.0", "1.5",
        "18446744073709551616", "9223372036854775808", "-9223372036854775809", "4294967296", "2147483648", "-2147483649", "1e18",
        "9007199254740993", "3.4028236e38", "1.7976931348623159e308", "4.9e-324", "123456789012345678901234567890", "0e99999999999",
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0x80], [0xC3, 0x28], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ];

    private static readonly string[] Keys = ["\"@type\":", "\"\":", "\"zz\":", "\"value\":", "\"f_int32\":", "\"fInt32\":", "\"child\":", "\"k\":"];

    private static readonly string[] Escapes = ["\\ud800", "\\udc00", "\\ud800\\u0041", "\\u0000", "\\ud83d\\ude00", "\\uZZZZ", "\\u12", "\\x", "\\"];

    public static (MessageDescriptor Type, byte[] Input) Create(Random random, int maxDepth)
    {
        if (random.Next(12) == 0)
        {
            return DeepDocument(random, maxDepth);
        }

        var type = FuzzTests.Types[random.Next(FuzzTests.Types.Length)];
        var message = new RandomMessageGenerator(random.Next()).Next(type);
        var json = random.Next(2) == 0 ? new ProtoJsonVariantWriter(random.Next(), JsonVariants.AllowedBySpec).Write(message) : ToJson(message);
        var data = new List<byte>(Encoding.UTF8.GetBytes(json));
        for (var mutations = random.Next(1, 4); mutations > 0; mutations--)
        {
            Mutate(random, data);
        }

        return (type, [.. data]);
    }

    private static void Mutate(Random random, List<byte> data)
    {
        // Mostly mutations that keep the JSON well-formed, so that many cases get past the JSON reader.
        if (random.Next(5) < 3 && MutateMember(random, data))
        {
            return;
        }

        var position = random.Next(data.Count + 1);
        switch (random.Next(10))
        {
            case 0 when data.Count > 0:
                data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0:
                const string Interesting = "{}[]\":,\\0123456789eE.-+ntfu@ \t\n";
                data[random.Next(data.Count)] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)Interesting[random.Next(Interesting.Length)];
                break;
            case 2:
                data.RemoveRange(position, data.Count - position);
                break;
            case 3:
                data.InsertRange(position, Encoding.UTF8.GetBytes(Snippets[random.Next(Snippets.Length)]));
                break;
            case 4:
                data.RemoveRange(position, random.Next(Math.Min(16, data.Count - position) + 1));
                break;
            case 5:
                var length = random.Next(Math.Min(64, data.Count - position) + 1);
                data.InsertRange(random.Next(data.Count + 1), data.GetRange(position, length));
                break;
            case 6:
                ReplaceNumber(random, data);
                break;
            case 7:
                data.InsertRange(InsideString(random, data), InvalidUtf8[random.Next(InvalidUtf8.Length)]);
                break;
            case 8:
                data.InsertRange(InsideString(random, data), Encoding.UTF8.GetBytes(Escapes[random.Next(Escapes.Length)]));
                break;
            default:
                // A deep value under a new key, before an existing value: {"k": DEEP, "zz": old}.
                var colons = Enumerable.Range(0, data.Count).Where(i => data[i] == ':').ToList();
                if (colons.Count > 0)
                {
                    var depth = random.Next(2) == 0 ? random.Next(1, 80) : 10_000;
                    var deep = new string('[', depth) + new string(']', depth) + ",\"zz\":";
                    data.InsertRange(colons[random.Next(colons.Count)] + 1, Encoding.UTF8.GetBytes(deep));
                }

                break;
        }
    }

    /// <summary>Duplicates, drops, renames or re-values one object member; false if there is none.</summary>
    private static bool MutateMember(Random random, List<byte> data)
    {
        var members = Members(data);
        if (members.Count == 0)
        {
            return false;
        }

        var (keyStart, valueStart, end) = members[random.Next(members.Count)];
        var (otherKey, otherValue, otherEnd) = members[random.Next(members.Count)];
        switch (random.Next(5))
        {
            case 0:
                data.InsertRange(end, [(byte)',', .. data.GetRange(keyStart, end - keyStart)]);
                break;
            case 1:
                data.RemoveRange(keyStart, end - keyStart + (end < data.Count && data[end] == ',' ? 1 : 0));
                break;
            case 2:
                // Another member's key (or a special one) for this value.
                var key = random.Next(3) == 0 ? Encoding.UTF8.GetBytes(Keys[random.Next(Keys.Length)]) : data.GetRange(otherKey, otherValue - otherKey).ToArray();
                data.RemoveRange(keyStart, valueStart - keyStart);
                data.InsertRange(keyStart, key);
                break;
            case 3:
                var value = data.GetRange(otherValue, otherEnd - otherValue);
                data.RemoveRange(valueStart, end - valueStart);
                data.InsertRange(valueStart, value);
                break;
            default:
                data.RemoveRange(valueStart, end - valueStart);
                data.InsertRange(valueStart, Encoding.UTF8.GetBytes(random.Next(2) == 0 ? Snippets[random.Next(Snippets.Length)] : Numbers[random.Next(Numbers.Length)]));
                break;
        }

        return true;
    }

    /// <summary>Object members as (key start, value start, end) byte offsets, found by a tolerant scan.</summary>
    private static List<(int KeyStart, int ValueStart, int End)> Members(List<byte> data)
    {
        var members = new List<(int, int, int)>();
        var open = new Stack<(bool IsObject, int KeyStart, int ValueStart)>();
        for (var i = 0; i < data.Count; i++)
        {
            switch (data[i])
            {
                case (byte)'"':
                    var start = i;
                    for (i++; i < data.Count && data[i] != '"'; i++)
                    {
                        i += data[i] == '\\' ? 1 : 0;
                    }

                    if (open.TryPeek(out var top) && top.IsObject && top.KeyStart < 0)
                    {
                        open.Pop();
                        open.Push((true, start, -1));
                    }

                    break;
                case (byte)'{' or (byte)'[':
                    open.Push((data[i] == '{', -1, -1));
                    break;
                case (byte)':' when open.TryPeek(out var member) && member.IsObject && member.KeyStart >= 0:
                    open.Pop();
                    open.Push((true, member.KeyStart, i + 1));
                    break;
                case (byte)',' or (byte)'}' or (byte)']' when open.Count > 0:
                    var current = open.Pop();
                    if (current.IsObject && current.ValueStart > 0)
                    {
                        members.Add((current.KeyStart, current.ValueStart, i));
                    }

                    if (data[i] == ',')
                    {
                        open.Push((current.IsObject, -1, -1));
                    }

                    break;
            }
        }

        return members;
    }

    private static void ReplaceNumber(Random random, List<byte> data)
    {
        var starts = Enumerable.Range(0, data.Count).Where(i => IsNumberByte(data[i]) && (i == 0 || !IsNumberByte(data[i - 1]))).ToList();
        if (starts.Count == 0)
        {
            return;
        }

        var start = starts[random.Next(starts.Count)];
        var end = start;
        while (end < data.Count && IsNumberByte(data[end]))
        {
            end++;
        }

        data.RemoveRange(start, end - start);
        data.InsertRange(start, Encoding.UTF8.GetBytes(Numbers[random.Next(Numbers.Length)]));
    }

    private static bool IsNumberByte(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+';

    private static int InsideString(Random random, List<byte> data)
    {
        var quotes = Enumerable.Range(0, data.Count).Where(i => data[i] == '"').ToList();
        return quotes.Count == 0 ? random.Next(data.Count + 1) : quotes[random.Next(quotes.Count)] + 1;
    }

    private static (MessageDescriptor Type, byte[] Input) DeepDocument(Random random, int maxDepth)
    {
        int[] depths = [maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 1, 1_000, 100_000];
        var n = Math.Max(1, depths[random.Next(depths.Length)]);
        string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();
        const string AnyType = "{\"@type\":\"type.googleapis.com/google.protobuf.Any\",\"value\":";
        var (type, json) = random.Next(9) switch
        {
            0 => (WellKnown.Descriptor, "{\"value\":" + Repeat("[", n) + Repeat("]", n) + "}"),
            1 => (WellKnown.Descriptor, "{\"struct\":" + Repeat("{\"a\":", n) + "null" + Repeat("}", n + 1)),
            2 => (WellKnown.Descriptor, "{\"listValue\":" + Repeat("[{\"a\":", n) + "1" + Repeat("}]", n) + "}"),
            3 => (Nested.Descriptor, Repeat("{\"child\":", n) + "{}" + Repeat("}", n)),
            4 => (Nested.Descriptor, Repeat("{\"children\":[", n) + "{}" + Repeat("]}", n)),
            5 => (WellKnown.Descriptor, "{\"any\":" + Repeat(AnyType, n) + "{\"@type\":\"type.googleapis.com/google.protobuf.Empty\"}" + Repeat("}", n + 1)),
            6 => (Maps.Descriptor, "{\"stringValue\":{\"k\":" + Repeat("[", n) + Repeat("]", n) + "}}"),
            7 => (Scalars.Descriptor, "{\"zz\":" + Repeat("[", n) + Repeat("]", n) + "}"),
            _ => (Google.Protobuf.WellKnownTypes.Value.Descriptor, Repeat("[", n) + Repeat("]", n)),
        };
        return (type, Encoding.UTF8.GetBytes(json));
    }
}

/// <summary>The encoding of a random message with a few random mutations aimed at the wire format.</summary>
internal static class ProtobufMutator
{
    public static byte[] Create(Random random, MessageDescriptor type)
    {
        var generator = new RandomMessageGenerator(random.Next());
        var data = new List<byte>(generator.Next(type).ToByteArray());
        for (var mutations = random.Next(1, 4); mutations > 0; mutations--)
        {
            Mutate(random, data, () => generator.Next(type).ToByteArray());
        }

        return [.. data];
    }

    private static void Mutate(Random random, List<byte> data, Func<byte[]> another)
    {
        var position = random.Next(data.Count + 1);
        var (tags, lengths, varints) = Layout([.. data]);
        switch (random.Next(12))
        {
            case 0 when data.Count > 0:
                data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                data.RemoveRange(position, data.Count - position);
                break;
            case 2:
                data.InsertRange(position, Enumerable.Range(0, random.Next(1, 5)).Select(_ => (byte)random.Next(256)));
                break;
            case 3:
                data.RemoveRange(position, random.Next(Math.Min(16, data.Count - position) + 1));
                break;
            case 4:
                var length = random.Next(Math.Min(64, data.Count - position) + 1);
                data.InsertRange(random.Next(data.Count + 1), data.GetRange(position, length));
                break;
            case 5 when tags.Count + lengths.Count > 0:
                // Corrupt a varint: an extra continuation bit, too many bytes, or more than 64 bits.
                var varint = random.Next(2) == 0 && tags.Count > 0 ? tags[random.Next(tags.Count)] : lengths.Count > 0 ? lengths[random.Next(lengths.Count)] : tags[0];
                switch (random.Next(3))
                {
                    case 0:
                        data[varint] |= 0x80;
                        break;
                    case 1:
                        data.InsertRange(varint, Enumerable.Repeat((byte)0xFF, random.Next(1, 11)));
                        break;
                    default:
                        data.InsertRange(varint, [.. Enumerable.Repeat((byte)0xFF, 9), 0x02]);
                        break;
                }

                break;
            case 6 when tags.Count > 0:
                var tag = tags[random.Next(tags.Count)];
                data[tag] = (byte)((data[tag] & ~7) | random.Next(8));
                break;
            case 7 when lengths.Count > 0:
                var at = lengths[random.Next(lengths.Count)];
                var end = at;
                var value = ReadVarint(data, ref end);
                data.RemoveRange(at, end - at);
                data.InsertRange(at, Varint(random.Next(3) == 0 ? 0xFFFF_FFFFUL : value + (ulong)random.Next(1, 1_000)));
                break;
            case 8:
                Nest(random, data);
                break;
            case 9 when tags.Count > 0:
                // Another field number with the same wire type: type confusion, oneof switches, repeats.
                var renumbered = tags[random.Next(tags.Count)];
                var tagEnd = renumbered;
                var wireType = ReadVarint(data, ref tagEnd) & 7;
                data.RemoveRange(renumbered, tagEnd - renumbered);
                data.InsertRange(renumbered, Varint(((ulong)(random.Next(8) == 0 ? 99 : random.Next(1, 36)) << 3) | wireType));
                break;
            case 10 when varints.Count > 0:
                ulong[] values = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, ulong.MaxValue, 1UL << 63, (ulong)random.NextInt64()];
                var valueAt = varints[random.Next(varints.Count)];
                var valueEnd = valueAt;
                ReadVarint(data, ref valueEnd);
                data.RemoveRange(valueAt, valueEnd - valueAt);
                data.InsertRange(valueAt, Varint(values[random.Next(values.Length)]));
                break;
            default:
                // A whole record of another message at a record boundary: merges, repeats and oneof switches.
                var records = another();
                var (otherTags, _, _) = Layout(records);
                if (otherTags.Count > 0)
                {
                    var from = otherTags[random.Next(otherTags.Count)];
                    var to = from;
                    SkipRecord(records, ref to);
                    data.InsertRange(tags.Count > 0 ? tags[random.Next(tags.Count)] : data.Count, records[from..Math.Min(to, records.Length)]);
                }

                break;
        }
    }

    private static void Nest(Random random, List<byte> data)
    {
        int[] depths = [2, 50, 99, 100, 101, 1_000];
        var depth = depths[random.Next(depths.Length)];
        if (random.Next(2) == 0)
        {
            // Unknown field 99 as nested groups around the message.
            data.InsertRange(0, Enumerable.Range(0, depth).SelectMany(_ => new byte[] { 0x9B, 0x06 }));
            data.AddRange(Enumerable.Range(0, depth).SelectMany(_ => new byte[] { 0x9C, 0x06 }));
            return;
        }

        // Field 3 as nested length-delimited messages: Nested.child for Nested, something else elsewhere.
        for (var i = 0; i < depth; i++)
        {
            data.InsertRange(0, [0x1A, .. Varint((ulong)data.Count)]);
        }
    }

    /// <summary>Where tags, length prefixes and varint values start, following length-delimited fields that parse as messages.</summary>
    private static (List<int> Tags, List<int> Lengths, List<int> Varints) Layout(byte[] data)
    {
        var layout = (new List<int>(), new List<int>(), new List<int>());
        Walk(data, 0, data.Length, layout, depth: 0);
        return layout;
    }

    private static void Walk(byte[] data, int position, int end, (List<int> Tags, List<int> Lengths, List<int> Varints) layout, int depth)
    {
        while (position < end)
        {
            var tagStart = position;
            if (!TryReadVarint(data, ref position, end, out var tag) || tag >> 3 == 0)
            {
                return;
            }

            layout.Tags.Add(tagStart);
            switch (tag & 7)
            {
                case 0:
                    if (position < end)
                    {
                        layout.Varints.Add(position);
                    }

                    if (!TryReadVarint(data, ref position, end, out _))
                    {
                        return;
                    }

                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    if (position < end)
                    {
                        layout.Lengths.Add(position);
                    }

                    if (!TryReadVarint(data, ref position, end, out var length) || length > (ulong)(end - position))
                    {
                        return;
                    }

                    if (depth < 8)
                    {
                        Walk(data, position, position + (int)length, layout, depth + 1);
                    }

                    position += (int)length;
                    break;
                case 5:
                    position += 4;
                    break;
                case 3 or 4:
                    break;
                default:
                    return;
            }
        }
    }

    private static void SkipRecord(byte[] data, ref int position)
    {
        var end = data.Length;
        if (!TryReadVarint(data, ref position, end, out var tag))
        {
            return;
        }

        switch (tag & 7)
        {
            case 0:
                TryReadVarint(data, ref position, end, out _);
                break;
            case 1:
                position += 8;
                break;
            case 2 when TryReadVarint(data, ref position, end, out var length):
                position += (int)Math.Min(length, (ulong)(end - position));
                break;
            case 5:
                position += 4;
                break;
        }
    }

    private static bool TryReadVarint(byte[] data, ref int position, int end, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < end; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static ulong ReadVarint(List<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64 && position < data.Count; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        return value;
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }
}
