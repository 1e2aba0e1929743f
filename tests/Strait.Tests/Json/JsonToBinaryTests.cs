using System.Buffers;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

public sealed class JsonToBinaryTests
{
    [Fact]
    public void Accepts_JSON_names_and_proto_names_including_odd_ones()
    {
        var expected = new Names { FieldName1 = 1, Leading = 2, Double = 3, Custom = 4, CamelCase = 5, Trailing = 6, ABC = 7, X2Y = 8 };
        var byJsonName = FromJson<Names>("""{"fieldName1":1,"Leading":2,"Double":3,"renamed":4,"camelCase":5,"trailing":6,"aBC":7,"x2y":8}""");
        var byProtoName = FromJson<Names>("""{"field_name1":1,"_leading":2,"__double":3,"custom":4,"camelCase":5,"trailing_":6,"a_b_c":7,"x2y":8}""");
        Assert.Equal(expected, byJsonName);
        Assert.Equal(expected, byProtoName);
        Assert.Equal(expected.ToByteArray(), ToBinary("""{"x2y":8,"renamed":4,"aBC":7,"fieldName1":1,"Double":3,"Leading":2,"trailing":6,"camelCase":5}""", Names.Descriptor));
    }

    [Theory]
    [InlineData("1e3", 1000)]
    [InlineData("\"1e3\"", 1000)]
    [InlineData("1.0", 1)]
    [InlineData("\"1.000\"", 1)]
    [InlineData("-0", 0)]
    [InlineData("\"-0\"", 0)]
    [InlineData("-2147483648", int.MinValue)]
    [InlineData("\"2147483647\"", int.MaxValue)]
    [InlineData("12.5e1", 125)]
    [InlineData("100e-2", 1)]
    [InlineData("0e99999999999", 0)]
    public void Int32AcceptsNumbersAndStringsInIntegralForms(string json, int expected)
    {
        Assert.Equal(expected, FromJson<Scalars>($$"""{"fInt32":{{json}}}""").FInt32);
        Assert.Equal(expected, FromJson<Scalars>($$"""{"fSint32":{{json}}}""").FSint32);
        Assert.Equal(expected, FromJson<Scalars>($$"""{"fSfixed32":{{json}}}""").FSfixed32);
    }

    [Theory]
    [InlineData("1e-999999999999")]
    [InlineData("-1e-400")]
    [InlineData("1.0000000000000001")]
    [InlineData("\"0.99999999999999999999\"")]
    public void IntegersRejectFractionsTooSmallForADouble(string json) =>
        Assert.Equal($"expected an int32 but got {json}", JsonError($$"""{"fInt32":{{json}}}""", Scalars.Descriptor).Message);

    [Fact]
    public void Huge_exponents_are_exact_for_integers_and_underflow_for_floating_point()
    {
        Assert.Equal(long.MaxValue, FromJson<Scalars>("""{"fInt64":"9.223372036854775807e18"}""").FInt64);
        Assert.Equal(ulong.MaxValue, FromJson<Scalars>("""{"fUint64":1.8446744073709551615e19}""").FUint64);
        Assert.Equal(0, FromJson<Scalars>("""{"fInt32":-0.0e999999999999}""").FInt32);
        Assert.Equal(0.0, FromJson<Scalars>("""{"fDouble":1e-999999999999}""").FDouble);
        Assert.True(float.IsNegative(FromJson<Scalars>("""{"fFloat":-1e-50}""").FFloat));
    }

    [Fact]
    public void Integer_exponent_arithmetic_is_exact_for_long_numbers()
    {
        var tenWithLongFraction = "0." + new string('0', 20_000) + "1e20002";
        Assert.Equal(10, FromJson<Scalars>($$"""{"fInt32":{{tenWithLongFraction}}}""").FInt32);
        Assert.Equal(123, FromJson<Scalars>($$"""{"fInt32":"{{new string('0', 1) + "." + new string('0', 5000)}}123e5003"}""").FInt32);
    }

    [Fact]
    public void Sixty_four_bit_integers_keep_full_precision_from_numbers_and_strings()
    {
        // Google.Protobuf's parser reads unquoted numbers as double and would give 9007199254740992 here.
        Assert.Equal(9007199254740993L, FromJson<Scalars>("""{"fInt64":9007199254740993}""").FInt64);
        Assert.Equal(long.MinValue, FromJson<Scalars>("""{"fSint64":"-9223372036854775808"}""").FSint64);
        Assert.Equal(ulong.MaxValue, FromJson<Scalars>("""{"fUint64":18446744073709551615}""").FUint64);
        Assert.Equal(ulong.MaxValue, FromJson<Scalars>("""{"fFixed64":"18446744073709551615"}""").FFixed64);
        Assert.Equal(1_000_000_000_000_000_000L, FromJson<Scalars>("""{"fSfixed64":1e18}""").FSfixed64);
        Assert.Equal(4294967295u, FromJson<Scalars>("""{"fFixed32":"4294967295"}""").FFixed32);
    }

    [Fact]
    public void Floating_point_accepts_numbers_strings_and_special_values()
    {
        Assert.Equal(1.5, FromJson<Scalars>("""{"fDouble":"1.5"}""").FDouble);
        Assert.Equal(-2.5e-300, FromJson<Scalars>("""{"fDouble":-2.5e-300}""").FDouble);
        Assert.True(double.IsNaN(FromJson<Scalars>("""{"fDouble":"NaN"}""").FDouble));
        Assert.Equal(double.PositiveInfinity, FromJson<Scalars>("""{"fDouble":"Infinity"}""").FDouble);
        Assert.Equal(float.NegativeInfinity, FromJson<Scalars>("""{"fFloat":"-Infinity"}""").FFloat);
        Assert.Equal(float.MaxValue, FromJson<Scalars>("""{"fFloat":3.4028235e38}""").FFloat);
        Assert.Equal(0.1f, FromJson<Scalars>("""{"fFloat":0.1}""").FFloat);
    }

    [Fact]
    public void Negative_zero_is_kept_for_floating_point_and_is_zero_for_integers()
    {
        Assert.True(double.IsNegative(FromJson<Scalars>("""{"fDouble":-0}""").FDouble));
        Assert.Equal(0u, FromJson<Scalars>("""{"fUint32":-0}""").FUint32);
    }

    [Theory]
    [InlineData("\"AP8=\"")]
    [InlineData("\"AP8\"")]
    [InlineData("\"AP-_\"", new byte[] { 0x00, 0xFF, 0xBF })]
    [InlineData("\"AP+/\"", new byte[] { 0x00, 0xFF, 0xBF })]
    public void BytesAcceptStandardAndUrlSafeBase64WithOrWithoutPadding(string json, byte[]? expected = null)
    {
        expected ??= [0x00, 0xFF];
        Assert.Equal(expected, FromJson<Scalars>($$"""{"fBytes":{{json}}}""").FBytes.ToByteArray());
    }

    [Fact]
    public void Enums_accept_names_aliases_negative_and_unknown_numbers()
    {
        Assert.Equal(Color.Green, FromJson<Scalars>("""{"fEnum":"COLOR_GREEN"}""").FEnum);
        Assert.Equal(Color.Red, FromJson<Scalars>("""{"fEnum":"COLOR_CRIMSON"}""").FEnum);
        Assert.Equal(Color.Negative, FromJson<Scalars>("""{"fEnum":"COLOR_NEGATIVE"}""").FEnum);
        Assert.Equal(Color.Negative, FromJson<Scalars>("""{"fEnum":-5}""").FEnum);
        Assert.Equal((Color)42, FromJson<Scalars>("""{"fEnum":42}""").FEnum);
    }

    [Fact]
    public void Unknown_enum_name_is_unset_when_ignoring_unknown_fields()
    {
        var options = new JsonReadOptions { IgnoreUnknownFields = true };
        Assert.False(FromJson<Optionals>("""{"oEnum":"COLOR_BOGUS","oInt32":1}""", options).HasOEnum);
        Assert.Equal([Color.Red], FromJson<Repeateds>("""{"rEnum":["COLOR_BOGUS","COLOR_RED"]}""", options).REnum);
        Assert.Empty(FromJson<Maps>("""{"stringEnum":{"a":"COLOR_BOGUS"}}""", options).StringEnum);
    }

    [Fact]
    public void Ignore_unknown_fields_skips_nested_values()
    {
        var options = new JsonReadOptions { IgnoreUnknownFields = true };
        var result = FromJson<Scalars>("""{"bogus":{"a":[1,{"b":null}]},"fInt32":7,"other":"x"}""", options);
        Assert.Equal(new Scalars { FInt32 = 7 }, result);
    }

    [Fact]
    public void Null_leaves_fields_unset_except_for_Value_and_NullValue()
    {
        Assert.Equal(new Scalars(), FromJson<Scalars>("""{"fInt32":null,"fString":null,"fEnum":null,"fBytes":null}"""));
        Assert.Equal(new Optionals(), FromJson<Optionals>("""{"oInt32":null}"""));
        Assert.Equal(new Nested(), FromJson<Nested>("""{"child":null,"children":null}"""));
        Assert.Equal(new Maps(), FromJson<Maps>("""{"stringString":null}"""));

        var withValue = FromJson<WellKnown>("""{"value":null,"nullValue":null,"int32Wrapper":null,"rValue":[null],"rNullValue":[null]}""");
        Assert.Equal(Value.ForNull(), withValue.Value);
        Assert.Null(withValue.Int32Wrapper);
        Assert.Equal([Value.ForNull()], withValue.RValue);
        Assert.Equal([NullValue.NullValue], withValue.RNullValue);
        Assert.True(FromJson<Optionals>("""{"oNull":null}""").HasONull);
        Assert.Equal(Value.ForNull(), FromJson<Maps>("""{"stringValue":{"k":null}}""").StringValue["k"]);
    }

    [Theory]
    [InlineData("struct")]
    [InlineData("listValue")]
    [InlineData("any")]
    [InlineData("timestamp")]
    [InlineData("duration")]
    [InlineData("fieldMask")]
    [InlineData("empty")]
    [InlineData("int64Wrapper")]
    [InlineData("bytesWrapper")]
    [InlineData("rValue")]
    [InlineData("rAny")]
    [InlineData("rInt32Wrapper")]
    [InlineData("r_struct")]
    public void NullLeavesWellKnownTypeFieldsUnset(string field) =>
        Assert.Equal(new WellKnown(), FromJson<WellKnown>($$"""{"{{field}}":null}"""));

    [Fact]
    public void Null_inside_Struct_Value_and_ListValue_is_the_NullValue()
    {
        var expected = new WellKnown
        {
            Struct = new Struct { Fields = { ["a"] = Value.ForNull() } },
            ListValue = new ListValue { Values = { Value.ForNull(), Value.ForList(Value.ForNull()) } },
            Value = Value.ForStruct(new Struct { Fields = { ["b"] = Value.ForNull() } }),
            Any = Any.Pack(Value.ForNull()),
        };
        Assert.Equal(
            expected,
            FromJson<WellKnown>("""{"struct":{"a":null},"listValue":[null,[null]],"value":{"b":null},"any":{"@type":"type.googleapis.com/google.protobuf.Value","value":null}}"""));
    }

    [Theory]
    [InlineData("WellKnown", """{"rInt32Wrapper":[1,null]}""", "null is not allowed as an element of repeated field 'rInt32Wrapper'", "$.rInt32Wrapper[1]")]
    [InlineData("WellKnown", """{"rStruct":[null]}""", "null is not allowed as an element of repeated field 'rStruct'", "$.rStruct[0]")]
    [InlineData("WellKnown", """{"rTimestamp":[null]}""", "null is not allowed as an element of repeated field 'rTimestamp'", "$.rTimestamp[0]")]
    [InlineData("Maps", """{"stringInt32Wrapper":{"w":null}}""", "null is not allowed as a value of map field 'stringInt32Wrapper'", "$.stringInt32Wrapper[\"w\"]")]
    [InlineData("Maps", """{"stringStruct":{"s":null}}""", "null is not allowed as a value of map field 'stringStruct'", "$.stringStruct[\"s\"]")]
    [InlineData("Maps", """{"stringAny":{"a":null}}""", "null is not allowed as a value of map field 'stringAny'", "$.stringAny[\"a\"]")]
    [InlineData("WellKnown", """{"any":{"@type":"type.googleapis.com/google.protobuf.Struct","value":null}}""", "expected an object for google.protobuf.Struct but got null", "$.any.value")]
    public void NullIsRejectedWhereItCannotMeanUnset(string type, string json, string message, string path)
    {
        var error = JsonError(json, Registry.Find("strait.tests.json." + type)!);
        Assert.Equal(message, error.Message);
        Assert.Equal(path, error.JsonPath);
    }

    [Fact]
    public void Null_for_a_top_level_message_is_rejected_except_for_Value()
    {
        Assert.Equal("expected an object for google.protobuf.Struct but got null", JsonError("null", Struct.Descriptor).Message);
        Assert.Equal("expected an array for google.protobuf.ListValue but got null", JsonError("null", ListValue.Descriptor).Message);
        Assert.Equal("expected an RFC 3339 timestamp string but got null", JsonError("null", Timestamp.Descriptor).Message);
        Assert.Equal(Value.ForNull().ToByteArray(), ToBinary("null", Value.Descriptor));
    }

    [Fact]
    public void Duplicate_keys_keep_the_last_value_including_alternate_spellings()
    {
        Assert.Equal(new Scalars { FInt32 = 2 }.ToByteArray(), ToBinary("""{"fInt32":1,"f_int32":2}""", Scalars.Descriptor));
        Assert.Equal(new Scalars().ToByteArray(), ToBinary("""{"fInt32":1,"fInt32":null}""", Scalars.Descriptor));
        Assert.Equal(new Repeateds { RInt32 = { 3 } }.ToByteArray(), ToBinary("""{"rInt32":[1,2],"r_int32":[3]}""", Repeateds.Descriptor));
        Assert.Equal(
            new Repeateds { RInt32 = { 4 }, RString = { "x" } }.ToByteArray(),
            ToBinary("""{"rInt32":[1],"rString":["x"],"rInt32":[],"r_int32":[2,3],"rInt32":null,"rInt32":[4]}""", Repeateds.Descriptor));
        Assert.Equal(
            new Nested { Child = new Nested { Name = "b" }, Value = 1 }.ToByteArray(),
            ToBinary("""{"child":{"value":5},"value":1,"child":{"name":"b"}}""", Nested.Descriptor));
        Assert.Equal(new Oneofs { ChoiceString = "y" }, FromJson<Oneofs>("""{"choiceString":"x","choiceString":"y"}"""));
        Assert.Equal(new Maps { StringString = { ["a"] = "2" } }, FromJson<Maps>("""{"stringString":{"a":"1","a":"2"}}"""));
        Assert.Equal(new Struct { Fields = { ["a"] = Value.ForNumber(2) } }, FromJson<WellKnown>("""{"struct":{"a":1,"a":2}}""").Struct);
        Assert.Equal(
            new WellKnown { Any = Any.Pack(new Duration { Seconds = 2 }) }.ToByteArray(),
            ToBinary("""{"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s","value":"2s"}}""", WellKnown.Descriptor));
    }

    [Fact]
    public void Many_repeated_keys_take_linear_time()
    {
        // 50,000 unpacked elements, then the same key 50,000 times: rescanning the message for every
        // repeated key took over 20 s here; a linear pass takes milliseconds.
        const int Count = 50_000;
        var json = new StringBuilder("{\"uInt32\":[").AppendJoin(',', Enumerable.Repeat(1, Count)).Append(']');
        for (var i = 0; i < Count; i++)
        {
            json.Append(",\"rInt32\":[").Append(i).Append(']');
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var bytes = ToBinary(json.Append('}').ToString(), Repeateds.Descriptor);
        stopwatch.Stop();

        Assert.Equal(new Repeateds { RInt32 = { Count - 1 }, UInt32 = { Enumerable.Repeat(1, Count) } }.ToByteArray(), bytes);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Null_oneof_member_does_not_conflict_with_another_member()
    {
        Assert.Equal(new Oneofs { ChoiceString = "x" }, FromJson<Oneofs>("""{"choiceInt":null,"choiceString":"x"}"""));
        Assert.Equal(new Oneofs { ChoiceString = "x" }, FromJson<Oneofs>("""{"choiceString":"x","choiceInt":null}"""));
        Assert.Equal(new Oneofs { ChoiceNull = NullValue.NullValue }, FromJson<Oneofs>("""{"choiceNull":null}"""));
        Assert.Equal(new Oneofs { ChoiceValue = Value.ForNull() }, FromJson<Oneofs>("""{"choiceValue":null}"""));
        Assert.Equal(new Oneofs { ChoiceInt = 0 }.ToByteArray(), ToBinary("""{"choiceInt":0}""", Oneofs.Descriptor));
    }

    [Fact]
    public void Keys_out_of_field_number_order_still_give_canonical_bytes()
    {
        var expected = new Scalars { FBool = true, FInt32 = 3, FDouble = 1, FString = "s", FEnum = Color.Green };
        Assert.Equal(expected.ToByteArray(), ToBinary("""{"fEnum":"COLOR_GREEN","fString":"s","fBool":true,"fInt32":3,"fDouble":1}""", Scalars.Descriptor));
    }

    [Fact]
    public void Large_nested_messages_get_multi_byte_length_prefixes()
    {
        var name = new string('x', 300);
        var expected = new Nested { Child = new Nested { Child = new Nested { Name = name }, Name = name } };
        Assert.Equal(expected.ToByteArray(), ToBinary(Formatter().Format(expected), Nested.Descriptor));
    }

    [Fact]
    public void Strings_decode_escapes_and_surrogate_pairs()
    {
        Assert.Equal("a\"\\/\b\f\n\r\t\u00e9😀", FromJson<Scalars>("""{"fString":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}""").FString);
        Assert.Equal("😀", FromJson<Scalars>("{\"fString\":\"😀\"}").FString);
    }

    [Fact]
    public void Packed_and_unpacked_repeated_fields_are_encoded_as_declared()
    {
        var expected = new Repeateds { RInt32 = { 1, -1, 300 }, UInt32 = { 1, -1, 300 }, RDouble = { 1.5 }, UDouble = { 1.5 }, REnum = { Color.Red }, UEnum = { Color.Red } };
        Assert.Equal(
            expected.ToByteArray(),
            ToBinary("""{"rDouble":[1.5],"rInt32":[1,-1,"300"],"rEnum":["COLOR_RED"],"uDouble":["1.5"],"uInt32":[1,-1,300],"uEnum":[1],"rFloat":[]}""", Repeateds.Descriptor));
    }

    [Fact]
    public void Maps_accept_every_key_type()
    {
        var json = """
            {"int32Int32":{"-1":1},"int64Int64":{"9223372036854775807":"2"},"uint32Uint32":{"4294967295":3},"uint64Uint64":{"18446744073709551615":"4"},
             "sint32Sint32":{"-5":5},"sint64Sint64":{"-6":"6"},"fixed32Fixed32":{"7":7},"fixed64Fixed64":{"8":"8"},"sfixed32Sfixed32":{"-9":9},
             "sfixed64Sfixed64":{"-10":"10"},"boolBool":{"true":true,"false":false},"stringString":{"":"empty key","k":""},
             "stringMessage":{"m":{"value":1}},"stringEnum":{"e":"COLOR_RED"},"int32Bytes":{"0":"AQ=="},"stringTimestamp":{"t":"1970-01-01T00:00:01Z"},
             "stringAny":{"a":{"@type":"type.googleapis.com/google.protobuf.Int32Value","value":5}},"stringInt32Wrapper":{"w":0},"stringNull":{"n":null}}
            """;
        var expected = new Maps
        {
            Int32Int32 = { [-1] = 1 },
            Int64Int64 = { [long.MaxValue] = 2 },
            Uint32Uint32 = { [uint.MaxValue] = 3 },
            Uint64Uint64 = { [ulong.MaxValue] = 4 },
            Sint32Sint32 = { [-5] = 5 },
            Sint64Sint64 = { [-6] = 6 },
            Fixed32Fixed32 = { [7] = 7 },
            Fixed64Fixed64 = { [8] = 8 },
            Sfixed32Sfixed32 = { [-9] = 9 },
            Sfixed64Sfixed64 = { [-10] = 10 },
            BoolBool = { [true] = true, [false] = false },
            StringString = { [""] = "empty key", ["k"] = "" },
            StringMessage = { ["m"] = new Nested { Value = 1 } },
            StringEnum = { ["e"] = Color.Red },
            Int32Bytes = { [0] = ByteString.CopyFrom(1) },
            StringTimestamp = { ["t"] = new Timestamp { Seconds = 1 } },
            StringAny = { ["a"] = Any.Pack(new Int32Value { Value = 5 }) },
            StringInt32Wrapper = { ["w"] = 0 },
            StringNull = { ["n"] = NullValue.NullValue },
        };
        Assert.Equal(expected.ToByteArray(), ToBinary(json, Maps.Descriptor));
    }

    [Fact]
    public void Well_known_types_use_their_special_forms()
    {
        var json = """
            {"timestamp":"1972-01-01T10:00:20.021Z","duration":"-1.5s","fieldMask":"name,author.displayName","struct":{"a":[1,"x",true,null,{"b":{}}]},
             "value":{"k":[]},"listValue":[1.5,{}],"nullValue":null,"empty":{},"doubleWrapper":"NaN","floatWrapper":1,"int64Wrapper":"-5",
             "uint64Wrapper":5,"int32Wrapper":"7","uint32Wrapper":0,"boolWrapper":false,"stringWrapper":"","bytesWrapper":"AQ"}
            """;
        var expected = new WellKnown
        {
            Timestamp = Timestamp.FromDateTime(new DateTime(1972, 1, 1, 10, 0, 20, 21, DateTimeKind.Utc)),
            Duration = new Duration { Seconds = -1, Nanos = -500_000_000 },
            FieldMask = new FieldMask { Paths = { "name", "author.display_name" } },
            Struct = new Struct { Fields = { ["a"] = Value.ForList(Value.ForNumber(1), Value.ForString("x"), Value.ForBool(true), Value.ForNull(), Value.ForStruct(new Struct { Fields = { ["b"] = Value.ForStruct(new Struct()) } })) } },
            Value = Value.ForStruct(new Struct { Fields = { ["k"] = Value.ForList() } }),
            ListValue = new ListValue { Values = { Value.ForNumber(1.5), Value.ForStruct(new Struct()) } },
            Empty = new Empty(),
            DoubleWrapper = double.NaN,
            FloatWrapper = 1,
            Int64Wrapper = -5,
            Uint64Wrapper = 5,
            Int32Wrapper = 7,
            Uint32Wrapper = 0,
            BoolWrapper = false,
            StringWrapper = "",
            BytesWrapper = ByteString.CopyFrom(1),
        };
        Assert.Equal(expected.ToByteArray(), ToBinary(json, WellKnown.Descriptor));
    }

    [Fact]
    public void Timestamp_offsets_are_normalised_to_UTC()
    {
        Assert.Equal(Timestamp.FromDateTime(new DateTime(1972, 1, 1, 8, 30, 20, DateTimeKind.Utc)), FromJson<WellKnown>("""{"timestamp":"1972-01-01T10:00:20+01:30"}""").Timestamp);
        Assert.Equal(Timestamp.FromDateTime(new DateTime(1971, 12, 31, 23, 0, 0, DateTimeKind.Utc)), FromJson<WellKnown>("""{"timestamp":"1971-12-31T20:00:00-03:00"}""").Timestamp);
        Assert.Equal(Timestamp.FromDateTime(new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc)), FromJson<WellKnown>("""{"timestamp":"9999-12-31T23:59:59Z"}""").Timestamp);
        Assert.Equal(new Timestamp { Seconds = -62_135_596_800 }, FromJson<WellKnown>("""{"timestamp":"0001-01-01T00:00:00Z"}""").Timestamp);
    }

    [Fact]
    public void Any_accepts_type_after_the_other_members()
    {
        var expected = new WellKnown { Any = Any.Pack(new Nested { Value = 3, Child = new Nested { Name = "c" } }) };
        Assert.Equal(expected.ToByteArray(), ToBinary("""{"any":{"value":3,"child":{"name":"c"},"@type":"type.googleapis.com/strait.tests.json.Nested"}}""", WellKnown.Descriptor));
        var customPrefix = FromJson<WellKnown>("""{"any":{"@type":"example.com/custom/prefix/strait.tests.json.Nested","value":3}}""").Any;
        Assert.Equal("example.com/custom/prefix/strait.tests.json.Nested", customPrefix.TypeUrl);
        Assert.Equal(new Nested { Value = 3 }, customPrefix.Unpack<Nested>());
    }

    [Fact]
    public void Any_holding_well_known_types_uses_the_value_property()
    {
        var duration = new WellKnown { Any = Any.Pack(new Duration { Seconds = 1 }) };
        Assert.Equal(duration.ToByteArray(), ToBinary("""{"any":{"value":"1s","@type":"type.googleapis.com/google.protobuf.Duration"}}""", WellKnown.Descriptor));
        var nestedAny = new WellKnown { Any = Any.Pack(Any.Pack(new StringValue { Value = "x" })) };
        Assert.Equal(
            nestedAny.ToByteArray(),
            ToBinary("""{"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":{"value":"x","@type":"type.googleapis.com/google.protobuf.StringValue"}}}""", WellKnown.Descriptor));
        var structAny = new WellKnown { Any = Any.Pack(new Struct { Fields = { ["a"] = Value.ForNumber(1) } }) };
        Assert.Equal(structAny.ToByteArray(), ToBinary("""{"any":{"@type":"type.googleapis.com/google.protobuf.Struct","value":{"a":1}}}""", WellKnown.Descriptor));
    }

    [Fact]
    public void Any_holding_Empty_accepts_spec_form_and_Google_Protobuf_form()
    {
        var expected = new WellKnown { Any = Any.Pack(new Empty()) }.ToByteArray();
        Assert.Equal(expected, ToBinary("""{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}""", WellKnown.Descriptor));
        Assert.Equal(expected, ToBinary("""{"any":{"@type":"type.googleapis.com/google.protobuf.Empty","value":{}}}""", WellKnown.Descriptor));
    }

    [Fact]
    public void Empty_Any_object_is_a_default_Any() =>
        Assert.Equal(new WellKnown { Any = new Any() }.ToByteArray(), ToBinary("""{"any":{}}""", WellKnown.Descriptor));

    [Fact]
    public void Top_level_well_known_types_are_accepted()
    {
        Assert.Equal(new Duration { Seconds = 1, Nanos = 500_000_000 }.ToByteArray(), ToBinary("\"1.5s\"", Duration.Descriptor));
        Assert.Equal(Value.ForNull().ToByteArray(), ToBinary(" null ", Value.Descriptor));
        Assert.Equal(new Int64Value { Value = 5 }.ToByteArray(), ToBinary("\"5\"", Int64Value.Descriptor));
    }

    [Fact]
    public void Proto2_groups_and_presence_round_trip()
    {
        var expected = new Legacy { Number = 0, Item = new Legacy.Types.Item { Id = 1, Label = "l" }, PackedNumbers = { 1, 2 }, Numbers = { 3 } };
        var bytes = ToBinary("""{"number":0,"item":{"id":1,"label":"l"},"packedNumbers":[1,2],"numbers":[3]}""", Legacy.Descriptor);
        Assert.Equal(Convert.ToHexString(expected.ToByteArray()), Convert.ToHexString(bytes));
        AssertJsonEquivalent(Formatter().Format(expected), ToJson(bytes, Legacy.Descriptor));
    }

    [Fact]
    public void Output_is_appended_to_the_buffer_writer()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write(new byte[] { 0x18, 0x01 });
        Codec.JsonToBinary("""{"fString":"x"}"""u8, Scalars.Descriptor, output, JsonReadOptions.Default);
        Assert.Equal(new Scalars { FInt32 = 1, FString = "x" }, Scalars.Parser.ParseFrom(output.WrittenSpan));
    }
}
