using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

/// <summary>
/// Cases where Google.Protobuf 3.25.1 departs from the ProtoJSON spec, then cases where the spec leaves
/// room and the two differ. Each test pins down both behaviours, so an upgrade that changes Google.Protobuf
/// shows up here. docs/conformance.md lists them all.
/// </summary>
public sealed class GoogleProtobufDeviationTests
{
    [Fact]
    public void Unquoted_sixty_four_bit_integers_keep_precision()
    {
        Assert.Equal(9007199254740992L, Parser.Parse<Scalars>("""{"fInt64":9007199254740993}""").FInt64);
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Scalars>("""{"fUint64":18446744073709551615}"""));

        Assert.Equal(9007199254740993L, FromJson<Scalars>("""{"fInt64":9007199254740993}""").FInt64);
        Assert.Equal(ulong.MaxValue, FromJson<Scalars>("""{"fUint64":18446744073709551615}""").FUint64);
    }

    [Theory]
    [InlineData("1e-400", 0)]
    [InlineData("1.0000000000000001", 1)]
    public void Integers_reject_fractions_that_a_double_rounds_away(string json, int google)
    {
        // JsonParser reads numbers as doubles, in which these lose their fraction.
        Assert.Equal(google, Parser.Parse<Scalars>($$"""{"fInt32":{{json}}}""").FInt32);

        Assert.Equal($"expected an int32 but got {json}", JsonError($$"""{"fInt32":{{json}}}""", Scalars.Descriptor).Message);
    }

    [Theory]
    [InlineData("\"AP8\"")]
    [InlineData("\"AP-_\"")]
    public void URL_safe_and_unpadded_base64_are_accepted(string json)
    {
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Scalars>($$"""{"fBytes":{{json}}}"""));
        Assert.NotEmpty(FromJson<Scalars>($$"""{"fBytes":{{json}}}""").FBytes);
    }

    [Theory]
    [InlineData("""{"choiceInt":null,"choiceString":"x"}""")]
    [InlineData("""{"choiceString":"x","choiceInt":null}""")]
    [InlineData("""{"choiceInt":null,"choiceString":null}""")]
    public void NullOneofMemberDoesNotCountAsSet(string json)
    {
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Oneofs>(json));

        Assert.Equal(json.Contains("\"x\"", StringComparison.Ordinal) ? "x" : "", FromJson<Oneofs>(json).ChoiceString);
    }

    [Fact]
    public void Duplicate_repeated_and_map_keys_keep_only_the_last_value()
    {
        Assert.Equal([1, 2], Parser.Parse<Repeateds>("""{"rInt32":[1],"rInt32":[2]}""").RInt32);
        Assert.Equal(2, Parser.Parse<Maps>("""{"stringString":{"a":"1"},"stringString":{"b":"2"}}""").StringString.Count);

        Assert.Equal([2], FromJson<Repeateds>("""{"rInt32":[1],"rInt32":[2]}""").RInt32);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, FromJson<Maps>("""{"stringString":{"a":"1"},"stringString":{"b":"2"}}""").StringString);
    }

    [Theory]
    [InlineData("""{"choiceInt":1,"choiceInt":2}""")]
    [InlineData("""{"choiceInt":1,"choice_int":2}""")]
    public void Duplicate_oneof_member_keeps_the_last_value(string json)
    {
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Oneofs>(json));

        Assert.Equal(new Oneofs { ChoiceInt = 2 }, FromJson<Oneofs>(json));
    }

    [Fact]
    public void Duplicate_optional_field_keeps_the_last_value()
    {
        // JsonParser treats a proto3 optional field as a oneof of its own.
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Optionals>("""{"oInt32":1,"oInt32":2}"""));

        Assert.Equal(new Optionals { OInt32 = 2 }, FromJson<Optionals>("""{"oInt32":1,"oInt32":2}"""));
    }

    [Theory]
    [InlineData("+18:01", "1971-12-31T15:59:20Z")]
    [InlineData("+23:59", "1971-12-31T10:01:20Z")]
    [InlineData("-20:00", "1972-01-02T06:00:20Z")]
    [InlineData("-00:00", "1972-01-01T10:00:20Z")]
    public void TimestampOffsetsCoverRfc3339(string offset, string utc)
    {
        // RFC 3339 allows offset hours 00-23 and "-00:00"; JsonParser stops at ±18:00 and rejects "-00:00".
        var json = $$"""{"timestamp":"1972-01-01T10:00:20{{offset}}"}""";
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<WellKnown>(json));

        Assert.Equal($$"""{"timestamp":"{{utc}}"}""", ToJson(FromJson<WellKnown>(json)));
    }

    [Theory]
    [InlineData("fUint32")]
    [InlineData("fUint64")]
    [InlineData("fFixed32")]
    [InlineData("fFixed64")]
    public void NegativeZeroIsZeroForUnsignedIntegers(string field)
    {
        var json = $$"""{"{{field}}":"-0.0"}""";
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Scalars>(json));

        Assert.Equal(new Scalars(), FromJson<Scalars>(json));
    }

    [Fact]
    public void Unknown_enum_name_is_unset_when_ignoring_unknown_fields()
    {
        var googleParser = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
        Assert.Throws<InvalidProtocolBufferException>(() => googleParser.Parse<Scalars>("""{"fEnum":"COLOR_BOGUS"}"""));
        Assert.Equal(new Scalars(), FromJson<Scalars>("""{"fEnum":"COLOR_BOGUS"}""", new JsonReadOptions { IgnoreUnknownFields = true }));
    }

    [Fact]
    public void Struct_accepts_an_empty_key()
    {
        var message = new WellKnown { Struct = new Struct { Fields = { [""] = Value.ForNumber(1) } } };
        Assert.Throws<InvalidOperationException>(() => Formatter().Format(message));
        Assert.Equal("""{"struct":{"":1}}""", ToJson(message));
        Assert.Equal(message, FromJson<WellKnown>("""{"struct":{"":1}}"""));
    }

    [Fact]
    public void Value_holding_NaN_has_no_JSON_form()
    {
        var message = new WellKnown { Value = Value.ForNumber(double.NaN) };
        Assert.Contains("\"NaN\"", Formatter().Format(message), StringComparison.Ordinal);
        Assert.Throws<ProtobufFormatException>(() => ToJson(message));
    }

    [Fact]
    public void Invalid_UTF8_in_binary_strings_is_rejected()
    {
        // Proto3 strings must be UTF-8; Google.Protobuf's C# parser substitutes U+FFFD instead of failing.
        var data = Convert.FromHexString("7202C328");
        Assert.Equal("\uFFFD(", Scalars.Parser.ParseFrom(data).FString);

        Assert.Throws<ProtobufFormatException>(() => ToJson(data, Scalars.Descriptor));
    }

    // Where the spec leaves room.

    [Fact]
    public void Any_without_type_URL_is_an_empty_object()
    {
        Assert.Throws<InvalidOperationException>(() => Formatter().Format(new WellKnown { Any = new Any() }));
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<WellKnown>("""{"any":{}}"""));

        Assert.Equal("""{"any":{}}""", ToJson(new WellKnown { Any = new Any() }));
        Assert.Equal(new WellKnown { Any = new Any() }, FromJson<WellKnown>("""{"any":{}}"""));
    }

    [Fact]
    public void Null_for_a_wrapper_with_no_field_to_leave_unset_is_rejected()
    {
        // null leaves a wrapper field unset; an Any payload or a top-level wrapper has no field.
        const string AnyJson = """{"any":{"@type":"type.googleapis.com/google.protobuf.Int32Value","value":null}}""";
        Assert.Equal(new Int32Value(), Parser.Parse<Int32Value>("null"));
        Assert.Equal(Any.Pack(new Int32Value()), Parser.Parse<WellKnown>(AnyJson).Any);

        Assert.Equal("expected an int32 but got null", JsonError("null", Int32Value.Descriptor).Message);
        Assert.Equal("expected an int32 but got null", JsonError(AnyJson, WellKnown.Descriptor).Message);
    }

    [Fact]
    public void Negative_zero_is_not_the_default_of_an_implicit_presence_float()
    {
        // -0.0 differs from the default in its bits; Google.Protobuf compares values and drops it.
        var message = new Scalars { FDouble = -0.0, FFloat = -0f };
        Assert.Empty(message.ToByteArray());
        Assert.Equal("{ }", Formatter().Format(Parser.Parse<Scalars>("""{"fDouble":-0,"fFloat":-0}""")));

        var bytes = ToBinary("""{"fDouble":-0,"fFloat":-0}""", Scalars.Descriptor);
        Assert.Equal("""{"fDouble":-0,"fFloat":-0}""", ToJson(bytes, Scalars.Descriptor));
        Assert.True(double.IsNegative(Scalars.Parser.ParseFrom(bytes).FDouble));
    }

    [Fact]
    public void Duration_seconds_may_have_leading_zeros()
    {
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<WellKnown>("""{"duration":"01.5s"}"""));

        Assert.Equal(new Duration { Seconds = 1, Nanos = 500_000_000 }, FromJson<WellKnown>("""{"duration":"01.5s"}""").Duration);
    }

    [Fact]
    public void FieldMask_path_starting_upper_case_keeps_its_case()
    {
        // "Foo" is not lowerCamelCase. Strait maps the capital to "_f" so the path converts back to "Foo";
        // Google.Protobuf lower-cases it to "foo".
        Assert.Equal(["foo"], Parser.Parse<WellKnown>("""{"fieldMask":"Foo"}""").FieldMask.Paths);

        var message = FromJson<WellKnown>("""{"fieldMask":"Foo"}""");
        Assert.Equal(["_foo"], message.FieldMask.Paths);
        Assert.Equal("""{"fieldMask":"Foo"}""", ToJson(message));
    }
}
