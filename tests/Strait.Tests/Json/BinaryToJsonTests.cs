using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

public sealed class BinaryToJsonTests
{
    private static readonly Scalars SampleScalars = new()
    {
        FDouble = 1.5,
        FFloat = 0.1f,
        FInt32 = -1,
        FInt64 = -2,
        FUint32 = uint.MaxValue,
        FUint64 = ulong.MaxValue,
        FSint32 = -3,
        FSint64 = long.MinValue,
        FFixed32 = 4,
        FFixed64 = 5,
        FSfixed32 = -6,
        FSfixed64 = -7,
        FBool = true,
        FString = "é\"",
        FBytes = ByteString.CopyFrom(0, 255),
        FEnum = Color.Crimson,
    };

    [Fact]
    public void Writes_every_scalar_kind() =>
        Assert.Equal(
            """{"fDouble":1.5,"fFloat":0.1,"fInt32":-1,"fInt64":"-2","fUint32":4294967295,"fUint64":"18446744073709551615","fSint32":-3,"fSint64":"-9223372036854775808","fFixed32":4,"fFixed64":"5","fSfixed32":-6,"fSfixed64":"-7","fBool":true,"fString":"\u00E9\u0022","fBytes":"AP8=","fEnum":"COLOR_RED"}""",
            ToJson(SampleScalars));

    [Fact]
    public void Honours_proto_names_and_enums_as_integers()
    {
        var json = ToJson(new Scalars { FInt32 = 1, FEnum = Color.Negative }, new JsonWriteOptions { UseProtoFieldNames = true, EnumsAsIntegers = true });
        Assert.Equal("""{"f_int32":1,"f_enum":-5}""", json);
        Assert.Equal("""{"_leading":2,"custom":1}""", ToJson(new Names { Custom = 1, Leading = 2 }, new JsonWriteOptions { UseProtoFieldNames = true }));
        Assert.Equal("""{"Leading":2,"renamed":1}""", ToJson(new Names { Custom = 1, Leading = 2 }));
    }

    [Fact]
    public void Special_floating_point_values_are_strings() =>
        Assert.Equal(
            """{"rDouble":["NaN","Infinity","-Infinity",-0,1E+300],"rFloat":[3.4028235E+38,1E-45]}""",
            ToJson(new Repeateds { RDouble = { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1e300 }, RFloat = { float.MaxValue, float.Epsilon } }));

    [Fact]
    public void Unknown_enum_numbers_are_written_as_numbers() =>
        Assert.Equal("""{"fEnum":42}""", ToJson(new Scalars { FEnum = (Color)42 }));

    [Fact]
    public void Emit_unpopulated_writes_defaults_for_fields_without_presence_only()
    {
        Assert.Equal(
            """{"fDouble":0,"fFloat":0,"fInt32":0,"fInt64":"0","fUint32":0,"fUint64":"0","fSint32":0,"fSint64":"0","fFixed32":0,"fFixed64":"0","fSfixed32":0,"fSfixed64":"0","fBool":false,"fString":"","fBytes":"","fEnum":"COLOR_UNSPECIFIED"}""",
            ToJson(new Scalars(), new JsonWriteOptions { EmitUnpopulated = true }));
        Assert.Equal("{}", ToJson(new Optionals(), new JsonWriteOptions { EmitUnpopulated = true }));
        Assert.Equal("""{"plain":0}""", ToJson(new Oneofs(), new JsonWriteOptions { EmitUnpopulated = true }));
        Assert.Equal("""{"value":0,"name":"","children":[]}""", ToJson(new Nested(), new JsonWriteOptions { EmitUnpopulated = true }));
        Assert.Equal("""{"oInt32":0,"oNull":null}""", ToJson(new Optionals { OInt32 = 0, ONull = NullValue.NullValue }));
    }

    [Theory]
    [InlineData("1800")] // fInt32 0
    [InlineData("18051800")] // fInt32 5, then 0: the last wins
    [InlineData("188080808010")] // fInt32 2^32, which is 0 as an int32
    [InlineData("090000000000000000")] // fDouble +0.0
    [InlineData("6800")] // fBool false
    [InlineData("7200")] // fString ""
    [InlineData("7A00")] // fBytes empty
    [InlineData("800100")] // fEnum COLOR_UNSPECIFIED
    [InlineData("1500000000")] // fFloat +0.0
    [InlineData("18808000")] // fInt32 0 in a non-minimal varint
    public void ImplicitPresenceFieldsHoldingTheirDefaultAreOmittedEvenWhenOnTheWire(string hex)
    {
        var data = Convert.FromHexString(hex);
        Assert.Equal("{}", ToJson(data, Scalars.Descriptor));
        Assert.Equal(ToJson([], Scalars.Descriptor, new JsonWriteOptions { EmitUnpopulated = true }), ToJson(data, Scalars.Descriptor, new JsonWriteOptions { EmitUnpopulated = true }));
    }

    [Fact]
    public void Fields_with_presence_and_negative_zero_are_written_when_on_the_wire()
    {
        Assert.Equal("""{"fDouble":-0}""", ToJson(Convert.FromHexString("090000000000000080"), Scalars.Descriptor));
        Assert.Equal("""{"oInt32":0}""", ToJson(Convert.FromHexString("1800"), Optionals.Descriptor));
        Assert.Equal("""{"choiceInt":0}""", ToJson(Convert.FromHexString("0800"), Oneofs.Descriptor));
        Assert.Equal("""{"number":0}""", ToJson(Convert.FromHexString("0800"), Legacy.Descriptor));
        Assert.Equal("{}", ToJson(Convert.FromHexString("4000"), WellKnown.Descriptor)); // NullValue field without presence
    }

    [Fact]
    public void Unknown_fields_are_skipped()
    {
        var known = new Scalars { FInt32 = 1, FString = "x" }.ToByteArray();
        // Field 99 as varint, fixed64, length-delimited, group (with a nested field) and fixed32.
        var unknown = Convert.FromHexString("98060199060102030405060708" + "9A0603616263" + "9B06A0060A9C06" + "9D0601020304");
        Assert.Equal("""{"fInt32":1,"fString":"x"}""", ToJson([.. unknown, .. known, .. unknown], Scalars.Descriptor));
    }

    [Fact]
    public void Repeated_elements_are_collected_across_the_message_in_packed_or_unpacked_form()
    {
        // rInt32 (3) packed [1,2], rString (14) "a", rInt32 unpacked 3, rInt32 packed [4], uInt32 (23) packed [5] and unpacked 6.
        var data = Convert.FromHexString("1A020102" + "720161" + "1803" + "1A0104" + "BA010105" + "B80106");
        Assert.Equal("""{"rInt32":[1,2,3,4],"rString":["a"],"uInt32":[5,6]}""", ToJson(data, Repeateds.Descriptor));
    }

    [Fact]
    public void Repeated_fields_with_only_empty_packed_records_are_omitted()
    {
        // rDouble (1) and rInt32 (3) as packed records of length 0, then rInt32 [5] between two of them.
        Assert.Equal("{}", ToJson(Convert.FromHexString("0A00" + "1A00"), Repeateds.Descriptor));
        Assert.Equal("""{"rInt32":[5]}""", ToJson(Convert.FromHexString("1A00" + "1805" + "1A00"), Repeateds.Descriptor));
        var emitUnpopulated = new JsonWriteOptions { EmitUnpopulated = true };
        Assert.Equal(ToJson([], Repeateds.Descriptor, emitUnpopulated), ToJson(Convert.FromHexString("0A00" + "1A00"), Repeateds.Descriptor, emitUnpopulated));
    }

    [Fact]
    public void Repeated_occurrences_follow_protobuf_merge_semantics()
    {
        // fInt32 = 1 then 2: the last wins.
        Assert.Equal("""{"fInt32":2}""", ToJson(Convert.FromHexString("18011802"), Scalars.Descriptor));

        // child {value:1} then child {name:"x", value:3}: messages merge.
        var first = new Nested { Child = new Nested { Value = 1, Children = { new Nested { Value = 7 } } } }.ToByteArray();
        var second = new Nested { Child = new Nested { Name = "x", Value = 3, Children = { new Nested { Value = 8 } } } }.ToByteArray();
        var merged = Nested.Parser.ParseFrom([.. first, .. second]);
        Assert.Equal("""{"child":{"value":3,"name":"x","children":[{"value":7},{"value":8}]}}""", ToJson([.. first, .. second], Nested.Descriptor));
        AssertJsonEquivalent(Formatter().Format(merged), ToJson([.. first, .. second], Nested.Descriptor));

        // choiceInt then choiceString: the last oneof member wins.
        var oneofs = new Oneofs { ChoiceInt = 5 }.ToByteArray().Concat(new Oneofs { ChoiceString = "s" }.ToByteArray()).ToArray();
        Assert.Equal("""{"choiceString":"s"}""", ToJson(oneofs, Oneofs.Descriptor));
    }

    [Fact]
    public void Map_entries_keep_the_last_value_for_a_key_and_default_missing_parts()
    {
        var entries = new[]
        {
            new Maps { StringString = { ["a"] = "1" } },
            new Maps { StringString = { ["b"] = "2" } },
            new Maps { StringString = { ["a"] = "3" } },
        }.SelectMany(m => m.ToByteArray()).ToArray();
        Assert.Equal("""{"stringString":{"b":"2","a":"3"}}""", ToJson(entries, Maps.Descriptor));

        // Entry with neither key nor value, and an int32 entry with value before key.
        Assert.Equal("""{"stringString":{"":""},"int32Int32":{"7":9}}""", ToJson(Convert.FromHexString("0A00" + "1204" + "1009" + "0807"), Maps.Descriptor));

        // Up to eight entries are compared pair by pair; numeric keys compare by value.
        var fewDuplicated = Enumerable.Range(0, 6).SelectMany(i => new Maps { Int64Int64 = { [i % 3] = i } }.ToByteArray()).ToArray();
        AssertJsonEquivalent("""{"int64Int64":{"0":"3","1":"4","2":"5"}}""", ToJson(fewDuplicated, Maps.Descriptor));

        // Many entries exercise the hashed duplicate detection.
        var many = new Maps();
        for (var i = 0; i < 100; i++)
        {
            many.Int64Int64[i % 10] = i;
        }

        var duplicated = Enumerable.Range(0, 100).SelectMany(i => new Maps { Int64Int64 = { [i % 10] = i } }.ToByteArray()).ToArray();
        AssertJsonEquivalent(Formatter().Format(many), ToJson(duplicated, Maps.Descriptor));
    }

    [Fact]
    public void Well_known_types_use_their_special_forms()
    {
        var message = new WellKnown
        {
            Timestamp = new Timestamp { Seconds = 0, Nanos = 10_000_000 },
            Duration = new Duration { Seconds = -1, Nanos = -500_000_000 },
            FieldMask = new FieldMask { Paths = { "name", "author.display_name" } },
            Struct = new Struct { Fields = { ["a"] = Value.ForList(Value.ForNull(), Value.ForBool(true)) } },
            Value = Value.ForString("s"),
            ListValue = new ListValue(),
            Empty = new Empty(),
            Int64Wrapper = 0,
            StringWrapper = "w",
            RTimestamp = { new Timestamp { Nanos = 1_000 }, new Timestamp { Nanos = 1 }, new Timestamp { Seconds = 253_402_300_799, Nanos = 999_999_999 } },
            RDuration = { new Duration { Nanos = 1 }, new Duration { Seconds = 315_576_000_000 } },
        };
        Assert.Equal(
            """{"timestamp":"1970-01-01T00:00:00.010Z","duration":"-1.500s","fieldMask":"name,author.displayName","struct":{"a":[null,true]},"value":"s","listValue":[],"empty":{},"int64Wrapper":"0","stringWrapper":"w","rTimestamp":["1970-01-01T00:00:00.000001Z","1970-01-01T00:00:00.000000001Z","9999-12-31T23:59:59.999999999Z"],"rDuration":["0.000000001s","315576000000s"]}""",
            ToJson(message));
    }

    [Fact]
    public void Any_is_written_with_its_type_and_payload()
    {
        Assert.Equal(
            """{"any":{"@type":"type.googleapis.com/strait.tests.json.Nested","value":1,"child":{"name":"c"}}}""",
            ToJson(new WellKnown { Any = Any.Pack(new Nested { Value = 1, Child = new Nested { Name = "c" } }) }));
        Assert.Equal(
            """{"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"2s"}}}""",
            ToJson(new WellKnown { Any = Any.Pack(Any.Pack(new Duration { Seconds = 2 })) }));
        Assert.Equal("""{"any":{}}""", ToJson(new WellKnown { Any = new Any() }));
    }

    [Fact]
    public void Any_holding_Empty_follows_the_spec_rather_than_JsonFormatter()
    {
        var message = new WellKnown { Any = Any.Pack(new Empty()) };
        Assert.Equal("""{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}""", ToJson(message));
        // Google.Protobuf writes {"@type": …, "value": {}} and cannot parse the spec form.
        Assert.Contains("\"value\": { }", Formatter().Format(message), StringComparison.Ordinal);
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<WellKnown>(ToJson(message)));
    }

    [Fact]
    public void Proto2_group_is_written_as_an_object() =>
        Assert.Equal("""{"text":"","item":{"id":1}}""", ToJson(new Legacy { Text = "", Item = new Legacy.Types.Item { Id = 1 } }));

    [Theory]
    [InlineData("18", "truncated varint (at byte 1)")]
    [InlineData("1880", "truncated varint (at byte 2)")]
    [InlineData("18FFFFFFFFFFFFFFFFFF02", "varint is longer than 64 bits (at byte 10)")]
    [InlineData("18FFFFFFFFFFFFFFFFFF8001", "varint is longer than 64 bits (at byte 10)")]
    [InlineData("720561", "length-delimited field runs past the end of its message (at byte 1)")]
    [InlineData("72FFFFFFFF0F61", "length-delimited field runs past the end of its message (at byte 1)")]
    [InlineData("1D00000000", "field strait.tests.json.Scalars.f_int32 (number 3) has wire type 5, expected 0 (at byte 0)")]
    [InlineData("0A03616263", "field strait.tests.json.Scalars.f_double (number 1) has wire type 2, expected 1 (at byte 0)")]
    [InlineData("0900", "truncated fixed64 value (at byte 1)")]
    [InlineData("15000000", "truncated fixed32 value (at byte 1)")]
    [InlineData("7202C328", "string field f_string is not valid UTF-8 (at byte 2)")]
    [InlineData("93039C03", "end-group tag for field 51 inside group 50 (at byte 2)")]
    [InlineData("9C03", "end-group tag for field 51 without a matching start-group (at byte 0)")]
    [InlineData("9303", "group 50 has no end-group tag (at byte 2)")]
    [InlineData("1E", "invalid wire type 6 for field 3 (at byte 0)")]
    [InlineData("0000", "invalid field number (at byte 0)")]
    public void MalformedBinaryIsRejected(string hex, string problem)
    {
        var error = BinaryError(Convert.FromHexString(hex), Scalars.Descriptor);
        Assert.Equal("malformed protobuf: " + problem, error.Message);
    }

    [Fact]
    public void Malformed_packed_and_nested_data_is_rejected()
    {
        Assert.Equal(
            "malformed protobuf: packed field r_fixed32 has a length that is not a multiple of 4 (at byte 2)",
            BinaryError(Convert.FromHexString("4A03010203"), Repeateds.Descriptor).Message);
        Assert.Equal("malformed protobuf: truncated varint (at byte 4)", BinaryError(Convert.FromHexString("1A0201FF"), Repeateds.Descriptor).Message);
        Assert.Equal("malformed protobuf: truncated varint (at byte 4)", BinaryError(Convert.FromHexString("1A021880"), Nested.Descriptor).Message);

        // child {name: <length prefix cut off by the end of child>}, value: 1. The bytes after child must not complete the prefix.
        Assert.Equal("malformed protobuf: truncated varint (at byte 4)", BinaryError(Convert.FromHexString("1A021280" + "0801"), Nested.Descriptor).Message);
    }

    [Theory]
    [InlineData("1A031A0500" + "0801", "length-delimited field runs past the end of its message (at byte 3)")] // choiceMessage {child: cut off}, choiceInt 1
    [InlineData("1A041202C328" + "0801", "string field name is not valid UTF-8 (at byte 4)")] // choiceMessage {name: not UTF-8}, choiceInt 1
    [InlineData("1A021880" + "0801", "truncated varint (at byte 4)")] // choiceMessage {value: cut off}, choiceInt 1
    public void MalformedOneofMembersAreRejectedEvenWhenALaterMemberWins(string hex, string problem) =>
        Assert.Equal("malformed protobuf: " + problem, BinaryError(Convert.FromHexString(hex), Oneofs.Descriptor).Message);

    [Fact]
    public void Malformed_map_values_are_rejected_even_when_a_later_entry_wins() =>
        // stringMessage {"a": {child: cut off}}, then stringMessage {"a": {}}.
        Assert.Equal(
            "malformed protobuf: length-delimited field runs past the end of its message (at byte 8)",
            BinaryError(Convert.FromHexString("6A080A016112031A0500" + "6A030A0161"), Maps.Descriptor).Message);

    [Theory]
    [InlineData("Repeateds", "7202C328", "string field r_string is not valid UTF-8 (at byte 2)")]
    [InlineData("Maps", "0A040A02C328", "map key is not valid UTF-8 (at byte 4)")] // stringString {key: not UTF-8}
    [InlineData("Maps", "0A041202C328", "string field value is not valid UTF-8 (at byte 4)")] // stringString {value: not UTF-8}
    [InlineData("WellKnown", "2A0A0A080A02C32812020800", "map key is not valid UTF-8 (at byte 6)")] // struct {fields {key: not UTF-8, value: null}}
    [InlineData("WellKnown", "32041A02C328", "string field string_value is not valid UTF-8 (at byte 4)")] // value {string_value: not UTF-8}
    [InlineData("WellKnown", "0A040A02C328", "google.protobuf.Any type URL is not valid UTF-8 (at byte 4)")] // any {type_url: not UTF-8}
    [InlineData("WellKnown", "8A01040A02C328", "string field value is not valid UTF-8 (at byte 5)")] // string_wrapper {value: not UTF-8}
    public void InvalidUtf8FromTheBackendIsRejectedWhereverAStringIsWritten(string type, string hex, string problem) =>
        Assert.Equal("malformed protobuf: " + problem, BinaryError(Convert.FromHexString(hex), Registry.Find("strait.tests.json." + type)!).Message);

    [Fact]
    public void Invalid_UTF8_in_a_FieldMask_path_is_rejected() =>
        Assert.Equal("google.protobuf.FieldMask path is not valid UTF-8", BinaryError(Convert.FromHexString("22040A02C328"), WellKnown.Descriptor).Message);

    [Fact]
    public void Map_entry_with_the_wrong_wire_type_is_rejected() =>
        // int32Int32 {key: fixed32}
        Assert.Equal(
            "malformed protobuf: entry of map field int32_int32 has wire type 5 for field 1 (at byte 2)",
            BinaryError(Convert.FromHexString("12050D01000000"), Maps.Descriptor).Message);

    [Fact]
    public void Depth_limit_admits_exactly_max_depth_messages()
    {
        var options = new JsonWriteOptions { MaxDepth = 10 };

        // Nested: one level per message.
        Assert.StartsWith("{\"child\"", ToJson(NestedChain(10), options), StringComparison.Ordinal);
        Assert.Equal("malformed protobuf: messages are nested deeper than 10 levels", BinaryError(NestedChain(11).ToByteArray(), Nested.Descriptor, options).Message);

        // WellKnown > Struct > Value > Struct …: a Struct level is two messages, so 5 Structs make 10 levels.
        Assert.StartsWith("{\"struct\"", ToJson(StructChain(5), options), StringComparison.Ordinal);
        Assert.Equal("malformed protobuf: messages are nested deeper than 10 levels", BinaryError(StructChain(6).ToByteArray(), WellKnown.Descriptor, options).Message);

        // WellKnown > Any > Any … > Empty: 8 Anys make 10 levels.
        Assert.StartsWith("{\"any\"", ToJson(AnyChain(8), options), StringComparison.Ordinal);
        Assert.Equal("malformed protobuf: messages are nested deeper than 10 levels", BinaryError(AnyChain(9).ToByteArray(), WellKnown.Descriptor, options).Message);

        static Nested NestedChain(int levels) => levels == 1 ? new Nested() : new Nested { Child = NestedChain(levels - 1) };

        static WellKnown StructChain(int structs)
        {
            var value = new Struct();
            for (var i = 1; i < structs; i++)
            {
                value = new Struct { Fields = { ["a"] = Value.ForStruct(value) } };
            }

            return new WellKnown { Struct = value };
        }

        static WellKnown AnyChain(int anys)
        {
            var any = Any.Pack(new Empty());
            for (var i = 1; i < anys; i++)
            {
                any = Any.Pack(any);
            }

            return new WellKnown { Any = any };
        }
    }

    [Fact]
    public void JSON_at_its_default_depth_limit_may_need_more_than_the_default_binary_depth()
    {
        // A Struct nested to the JSON limit of 64 containers encodes as 127 messages (WellKnown plus a Struct
        // and a Value per level but the last), past the binary limit of 100 that also applies to responses.
        var json = "{\"struct\":" + string.Concat(Enumerable.Repeat("{\"a\":", 63)) + "null" + new string('}', 64);
        var bytes = ToBinary(json, WellKnown.Descriptor);
        Assert.Equal("malformed protobuf: messages are nested deeper than 100 levels", BinaryError(bytes, WellKnown.Descriptor).Message);
        Assert.Equal(json, ToJson(bytes, WellKnown.Descriptor, new JsonWriteOptions { MaxDepth = 127 }));
    }

    [Theory]
    [InlineData(101, "groups are nested too deeply (at byte 202)")]
    [InlineData(100, null)]
    public void Nested_unknown_groups_are_bounded_by_the_depth_limit(int depth, string? problem)
    {
        // Field 99 as start-group tags, then as many end-group tags, before an ordinary field.
        var data = Convert.FromHexString(string.Concat(Enumerable.Repeat("9B06", depth)) + string.Concat(Enumerable.Repeat("9C06", depth)) + "1801");
        if (problem is null)
        {
            Assert.Equal("""{"fInt32":1}""", ToJson(data, Scalars.Descriptor));
        }
        else
        {
            Assert.Equal("malformed protobuf: " + problem, BinaryError(data, Scalars.Descriptor).Message);
        }
    }

    [Fact]
    public void Timestamps_and_durations_outside_their_ranges_are_rejected()
    {
        static string Error(WellKnown message) => BinaryError(message.ToByteArray(), WellKnown.Descriptor).Message;

        Assert.StartsWith("google.protobuf.Timestamp 0s 1000000000ns is outside the range", Error(new WellKnown { Timestamp = new Timestamp { Nanos = 1_000_000_000 } }));
        Assert.StartsWith("google.protobuf.Timestamp -62135596801s 0ns is outside the range", Error(new WellKnown { Timestamp = new Timestamp { Seconds = -62_135_596_801 } }));
        Assert.Equal("google.protobuf.Duration 0s 1000000000ns is out of range or has mismatched signs", Error(new WellKnown { Duration = new Duration { Nanos = 1_000_000_000 } }));
        Assert.Equal("google.protobuf.Duration 315576000001s 0ns is out of range or has mismatched signs", Error(new WellKnown { Duration = new Duration { Seconds = 315_576_000_001 } }));
        Assert.Equal("google.protobuf.Duration -1s 1ns is out of range or has mismatched signs", Error(new WellKnown { Duration = new Duration { Seconds = -1, Nanos = 1 } }));
        Assert.Equal("""{"duration":"-0.000000001s","rDuration":["-315576000000.999999999s"]}""", ToJson(new WellKnown { Duration = new Duration { Nanos = -1 }, RDuration = { new Duration { Seconds = -315_576_000_000, Nanos = -999_999_999 } } }));
    }

    [Fact]
    public void Deeply_nested_binary_is_rejected_without_exhausting_the_stack()
    {
        var message = new Nested();
        for (var i = 0; i < 150; i++)
        {
            message = new Nested { Child = message };
        }

        Assert.Equal("malformed protobuf: messages are nested deeper than 100 levels", BinaryError(message.ToByteArray(), Nested.Descriptor).Message);
        Assert.StartsWith("{\"child\":", ToJson(message.ToByteArray(), Nested.Descriptor, new JsonWriteOptions { MaxDepth = 200 }), StringComparison.Ordinal);
    }

    [Fact]
    public void Values_without_a_JSON_form_are_rejected()
    {
        Assert.StartsWith("google.protobuf.Timestamp 253402300800s 0ns is outside the range", BinaryError(new WellKnown { Timestamp = new Timestamp { Seconds = 253_402_300_800 } }.ToByteArray(), WellKnown.Descriptor).Message);
        Assert.StartsWith("google.protobuf.Timestamp 0s -1ns", BinaryError(new WellKnown { Timestamp = new Timestamp { Nanos = -1 } }.ToByteArray(), WellKnown.Descriptor).Message);
        Assert.Equal("google.protobuf.Duration 1s -1ns is out of range or has mismatched signs", BinaryError(new WellKnown { Duration = new Duration { Seconds = 1, Nanos = -1 } }.ToByteArray(), WellKnown.Descriptor).Message);
        Assert.Equal("google.protobuf.Value has no kind set, so it has no JSON form", BinaryError(new WellKnown { Value = new Value() }.ToByteArray(), WellKnown.Descriptor).Message);
        Assert.Equal("google.protobuf.Value holds NaN or Infinity, which JSON numbers cannot express", BinaryError(new WellKnown { Value = Value.ForNumber(double.NaN) }.ToByteArray(), WellKnown.Descriptor).Message);
        Assert.Equal(
            "cannot write google.protobuf.Any as JSON: unknown type URL 'type.googleapis.com/x.Unknown'",
            BinaryError(new WellKnown { Any = new Any { TypeUrl = "type.googleapis.com/x.Unknown" } }.ToByteArray(), WellKnown.Descriptor).Message);
        foreach (var path in new[] { "fooBar", "foo_Bar", "foo__bar", "foo_3", "foo_", "a.b_" })
        {
            var error = BinaryError(new WellKnown { FieldMask = new FieldMask { Paths = { path } } }.ToByteArray(), WellKnown.Descriptor);
            Assert.Equal($"google.protobuf.FieldMask path \"{path}\" has no ProtoJSON form (it does not round-trip through lowerCamelCase)", error.Message);
        }
    }

    [Fact]
    public void Writes_into_the_callers_writer()
    {
        var output = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        writer.WriteStartArray();
        Codec.BinaryToJson(new Scalars { FInt32 = 1 }.ToByteArray(), Scalars.Descriptor, writer, JsonWriteOptions.Default);
        Codec.BinaryToJson([], Scalars.Descriptor, writer, JsonWriteOptions.Default);
        writer.WriteEndArray();
        writer.Flush();
        AssertJsonEquivalent("""[{"fInt32":1},{}]""", System.Text.Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
