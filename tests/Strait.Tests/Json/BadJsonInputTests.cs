using System.Buffers;
using System.Text;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

public sealed class BadJsonInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  \r\n\t")]
    public void Empty_body_is_reported(string json)
    {
        var error = JsonError(json, Scalars.Descriptor);
        Assert.Equal("request body is empty", error.Message);
        Assert.Equal("$", error.JsonPath);
    }

    [Theory]
    [InlineData("""{"fInt32": }""")]
    [InlineData("""{"fInt32": 1""")]
    [InlineData("""{"fInt32": 1,}""")]
    [InlineData("""{fInt32: 1}""")]
    [InlineData("""{"fString": 'x'}""")]
    [InlineData("""{} {}""")]
    [InlineData("""{"fInt32": 01}""")]
    [InlineData("""{"fDouble": NaN}""")]
    [InlineData("""{"fInt32": 1 /* comment */}""")]
    public void MalformedJsonIsReportedWithItsPosition(string json)
    {
        var error = JsonError(json, Scalars.Descriptor);
        Assert.StartsWith("invalid JSON: ", error.Message);
        Assert.Matches(@"\(line 1, column \d+\)$|^invalid JSON: unexpected end of input$", error.Message);
        Assert.DoesNotContain("LineNumber", error.Message);
        Assert.DoesNotContain("BytePositionInLine", error.Message);
        Assert.DoesNotContain("isFinalBlock", error.Message);
    }

    [Theory]
    [InlineData("""{"child":{"child":{"value": }}}""", "invalid JSON: '}' is an invalid start of a value (line 1, column 29)", "$.child.child.value")]
    [InlineData("""{"children":[{},{"name":"a",}]}""", "invalid JSON: expected a property name in double quotes (line 1, column 29)", "$.children[1]")]
    [InlineData("{\n  \"child\": {\"value\": 1", "invalid JSON: unexpected end of input", "$.child.value")]
    [InlineData("""{"child":{}} x""", "invalid JSON: unexpected content after the end of the JSON value (line 1, column 14)", "$")]
    public void MalformedJsonNamesWhereAndWhatInTheClientsTerms(string json, string message, string path) =>
        AssertError(json, Nested.Descriptor, message, path);

    [Theory]
    [InlineData("""{"fInt32":1.5}""", "expected an int32 but got 1.5", "$.fInt32")]
    [InlineData("""{"fInt32":"1.5"}""", "expected an int32 but got \"1.5\"", "$.fInt32")]
    [InlineData("""{"fInt32":""}""", "expected an int32 but got \"\"", "$.fInt32")]
    [InlineData("""{"fInt32":" 1"}""", "expected an int32 but got \" 1\"", "$.fInt32")]
    [InlineData("""{"fInt32":"+1"}""", "expected an int32 but got \"+1\"", "$.fInt32")]
    [InlineData("""{"fInt32":"0x10"}""", "expected an int32 but got \"0x10\"", "$.fInt32")]
    [InlineData("""{"fInt32":1e-1}""", "expected an int32 but got 1e-1", "$.fInt32")]
    [InlineData("""{"fInt32":true}""", "expected an int32 but got true", "$.fInt32")]
    [InlineData("""{"fInt32":2147483648}""", "2147483648 is out of range for int32", "$.fInt32")]
    [InlineData("""{"fInt32":"-2147483649"}""", "\"-2147483649\" is out of range for int32", "$.fInt32")]
    [InlineData("""{"fInt32":1e10}""", "1e10 is out of range for int32", "$.fInt32")]
    [InlineData("""{"fInt32":1e999999999999}""", "1e999999999999 is out of range for int32", "$.fInt32")]
    [InlineData("""{"fUint32":-1}""", "-1 is out of range for uint32", "$.fUint32")]
    [InlineData("""{"fUint32":4294967296}""", "4294967296 is out of range for uint32", "$.fUint32")]
    [InlineData("""{"fInt64":9223372036854775808}""", "9223372036854775808 is out of range for int64", "$.fInt64")]
    [InlineData("""{"fUint64":"18446744073709551616"}""", "\"18446744073709551616\" is out of range for uint64", "$.fUint64")]
    [InlineData("""{"fUint64":"-1"}""", "\"-1\" is out of range for uint64", "$.fUint64")]
    [InlineData("""{"fFloat":1e39}""", "1e39 is out of range for float", "$.fFloat")]
    [InlineData("""{"fFloat":"-3.5e38"}""", "\"-3.5e38\" is out of range for float", "$.fFloat")]
    [InlineData("""{"fDouble":1e400}""", "1e400 is out of range for double", "$.fDouble")]
    [InlineData("""{"fDouble":"nan"}""", "expected a double but got \"nan\"", "$.fDouble")]
    [InlineData("""{"fDouble":""}""", "expected a double but got \"\"", "$.fDouble")]
    [InlineData("""{"fDouble":[]}""", "expected a double but got an array", "$.fDouble")]
    [InlineData("""{"fBool":"true"}""", "expected a bool but got \"true\"", "$.fBool")]
    [InlineData("""{"fBool":1}""", "expected a bool but got 1", "$.fBool")]
    [InlineData("""{"fString":1}""", "expected a string but got 1", "$.fString")]
    [InlineData("""{"fString":{}}""", "expected a string but got an object", "$.fString")]
    [InlineData("""{"fBytes":"A"}""", "expected base64-encoded bytes but got \"A\"", "$.fBytes")]
    [InlineData("""{"fBytes":"AA AA"}""", "expected base64-encoded bytes but got \"AA AA\"", "$.fBytes")]
    [InlineData("""{"fBytes":"AA="}""", "expected base64-encoded bytes but got \"AA=\"", "$.fBytes")]
    [InlineData("""{"fEnum":"COLOR_BOGUS"}""", "'COLOR_BOGUS' is not a value of enum strait.tests.json.Color", "$.fEnum")]
    [InlineData("""{"fEnum":"1"}""", "'1' is not a value of enum strait.tests.json.Color", "$.fEnum")]
    [InlineData("""{"fEnum":1.5}""", "expected a value of enum strait.tests.json.Color but got 1.5", "$.fEnum")]
    [InlineData("""{"fEnum":true}""", "expected a value of enum strait.tests.json.Color but got true", "$.fEnum")]
    public void ScalarMismatchesNameTheExpectedType(string json, string message, string path) =>
        AssertError(json, Scalars.Descriptor, message, path);

    [Theory]
    [InlineData("""{"child":{"child":{"value":"x"}}}""", "expected an int32 but got \"x\"", "$.child.child.value")]
    [InlineData("""{"children":[{},{"children":[{"name":5}]}]}""", "expected a string but got 5", "$.children[1].children[0].name")]
    [InlineData("""{"child":[]}""", "expected an object for strait.tests.json.Nested but got an array", "$.child")]
    [InlineData("""{"children":{}}""", "expected an array for repeated field 'children' but got an object", "$.children")]
    [InlineData("""{"scalars":{"titel":1}}""", "unknown field 'titel' in strait.tests.json.Scalars", "$.scalars.titel")]
    [InlineData("""{"child":{"@type":"x"}}""", "unknown field '@type' in strait.tests.json.Nested", "$.child.@type")]
    public void NestedErrorsCarryTheFullPath(string json, string message, string path) =>
        AssertError(json, Nested.Descriptor, message, path);

    [Fact]
    public void Top_level_value_must_match_the_message_type()
    {
        AssertError("[]", Scalars.Descriptor, "expected an object for strait.tests.json.Scalars but got an array", "$");
        AssertError("null", Scalars.Descriptor, "expected an object for strait.tests.json.Scalars but got null", "$");
    }

    [Theory]
    [InlineData("""{"rInt32":[1,2,"x"]}""", "expected an int32 but got \"x\"", "$.rInt32[2]")]
    [InlineData("""{"rInt32":[1,null]}""", "null is not allowed as an element of repeated field 'rInt32'", "$.rInt32[1]")]
    [InlineData("""{"rMessage":[null]}""", "null is not allowed as an element of repeated field 'rMessage'", "$.rMessage[0]")]
    [InlineData("""{"uInt64":[[1]]}""", "expected an int64 but got an array", "$.uInt64[0]")]
    [InlineData("""{"rInt32":1}""", "expected an array for repeated field 'rInt32' but got 1", "$.rInt32")]
    public void RepeatedFieldErrors(string json, string message, string path) =>
        AssertError(json, Repeateds.Descriptor, message, path);

    [Theory]
    [InlineData("""{"stringMessage":{"k":{"value":"x"}}}""", "expected an int32 but got \"x\"", "$.stringMessage[\"k\"].value")]
    [InlineData("""{"int32Int32":{"abc":1}}""", "expected an int32 but got \"abc\"", "$.int32Int32[\"abc\"]")]
    [InlineData("""{"int32Int32":{"2147483648":1}}""", "\"2147483648\" is out of range for int32", "$.int32Int32[\"2147483648\"]")]
    [InlineData("""{"boolBool":{"yes":true}}""", "expected a bool map key (\"true\" or \"false\") but got \"yes\"", "$.boolBool[\"yes\"]")]
    [InlineData("""{"int32Int32":{"1":null}}""", "null is not allowed as a value of map field 'int32Int32'", "$.int32Int32[\"1\"]")]
    [InlineData("""{"stringMessage":{"a\"b":null}}""", "null is not allowed as a value of map field 'stringMessage'", "$.stringMessage[\"a\\\"b\"]")]
    [InlineData("""{"stringString":[]}""", "expected an object for map field 'stringString' but got an array", "$.stringString")]
    [InlineData("""{"stringValue":{"k":{"deep":[1,{"x":1e999}]}}}""", "1e999 is out of range for double", "$.stringValue[\"k\"][\"deep\"][1][\"x\"]")]
    public void MapErrorsCarryTheKey(string json, string message, string path) =>
        AssertError(json, Maps.Descriptor, message, path);

    [Fact]
    public void Unknown_field_is_rejected_unless_ignored()
    {
        AssertError("""{"fInt32":1,"titel":"x"}""", Scalars.Descriptor, "unknown field 'titel' in strait.tests.json.Scalars", "$.titel");
        AssertError("""{"titel":null}""", Scalars.Descriptor, "unknown field 'titel' in strait.tests.json.Scalars", "$.titel");
        Assert.Equal(new Scalars { FInt32 = 1 }, FromJson<Scalars>("""{"fInt32":1,"titel":"x"}""", new JsonReadOptions { IgnoreUnknownFields = true }));
    }

    [Fact]
    public void Two_members_of_one_oneof_are_rejected() =>
        AssertError(
            """{"choiceInt":1,"plain":2,"choiceString":"x"}""",
            Oneofs.Descriptor,
            "multiple values for oneof 'choice' in strait.tests.json.Oneofs: 'choiceInt' and 'choiceString'",
            "$.choiceString");

    [Fact]
    public void Invalid_unicode_in_strings_is_rejected()
    {
        var invalidUtf8 = "{\"fString\":\"\u00ff\"}"u8.ToArray();
        invalidUtf8[12] = 0xC3;
        invalidUtf8[13] = 0x28;
        var error = Assert.Throws<ProtoJsonException>(() => Codec.JsonToBinary(invalidUtf8, Scalars.Descriptor, new ArrayBufferWriter<byte>(), JsonReadOptions.Default));
        Assert.Equal("string is not valid UTF-8", error.Message);
        Assert.Equal("$.fString", error.JsonPath);

        var loneSurrogate = JsonError("""{"fString":"a\ud800b"}""", Scalars.Descriptor);
        Assert.StartsWith("invalid string: ", loneSurrogate.Message);
        Assert.Equal("$.fString", loneSurrogate.JsonPath);

        var reversedPair = JsonError("""{"rString":["ok","\ude00\ud83d"]}""", Repeateds.Descriptor);
        Assert.StartsWith("invalid string: ", reversedPair.Message);
        Assert.Equal("$.rString[1]", reversedPair.JsonPath);
    }

    [Theory]
    [InlineData("Maps", """{"stringString":{"~":"x"}}""", "map key is not valid UTF-8", "$.stringString[\"?\"]")]
    [InlineData("Maps", """{"stringString":{"k":"~"}}""", "string is not valid UTF-8", "$.stringString[\"k\"]")]
    [InlineData("Maps", """{"stringValue":{"k":{"~":1}}}""", "object key is not valid UTF-8", "$.stringValue[\"k\"][\"?\"]")]
    [InlineData("WellKnown", """{"struct":{"~":1}}""", "object key is not valid UTF-8", "$.struct[\"?\"]")]
    [InlineData("WellKnown", """{"value":"~"}""", "string is not valid UTF-8", "$.value")]
    [InlineData("WellKnown", """{"listValue":[{"a":["~"]}]}""", "string is not valid UTF-8", "$.listValue[0][\"a\"][0]")]
    [InlineData("WellKnown", """{"stringWrapper":"~"}""", "string is not valid UTF-8", "$.stringWrapper")]
    [InlineData("Repeateds", """{"rString":["ok","~"]}""", "string is not valid UTF-8", "$.rString[1]")]
    public void InvalidUtf8IsRejectedWhereverAStringIsKept(string type, string json, string message, string path) =>
        AssertInvalidUtf8(json, Registry.Find("strait.tests.json." + type)!, message, path);

    [Theory]
    [InlineData("Maps", """{"stringString":{"\ud800":"x"}}""", "$.stringString[\"?\"]")]
    [InlineData("WellKnown", """{"struct":{"a":{"\udc00":1}}}""", "$.struct[\"a\"][\"?\"]")]
    [InlineData("WellKnown", """{"value":["\ud83d"]}""", "$.value[0]")]
    [InlineData("Scalars", """{"fBytes":"\ud800"}""", "$.fBytes")]
    [InlineData("Scalars", """{"fEnum":"\ud800"}""", "$.fEnum")]
    [InlineData("WellKnown", """{"timestamp":"\udfff"}""", "$.timestamp")]
    public void LoneSurrogatesAreRejectedWhereverAStringIsRead(string type, string json, string path)
    {
        var error = JsonError(json, Registry.Find("strait.tests.json." + type)!);
        Assert.StartsWith("invalid string: ", error.Message);
        Assert.Equal(path, error.JsonPath);
    }

    [Fact]
    public void Invalid_unicode_in_property_names_and_type_URLs_is_bad_input()
    {
        const string DurationAny = "\"@type\":\"type.googleapis.com/google.protobuf.Duration\"";
        AssertInvalidUtf8("""{"a~":1}""", Scalars.Descriptor, "unknown field 'a\uFFFD' in strait.tests.json.Scalars", "$.a\uFFFD");
        AssertInvalidUtf8("""{"any":{"@type":"type.googleapis.com/~"}}""", WellKnown.Descriptor, "string is not valid UTF-8", "$.any.@type");
        AssertInvalidUtf8("""{"any":{"value":1,"@type":"~"}}""", WellKnown.Descriptor, "string is not valid UTF-8", "$.any.@type");
        AssertInvalidUtf8("{\"any\":{" + DurationAny + ",\"~\":1}}", WellKnown.Descriptor, "unknown field '\uFFFD' in google.protobuf.Any holding google.protobuf.Duration (expected 'value')", "$.any.\uFFFD");

        var loneSurrogateType = JsonError("""{"any":{"@type":"type.googleapis.com/\ud800"}}""", WellKnown.Descriptor);
        Assert.StartsWith("invalid string: ", loneSurrogateType.Message);
        Assert.Equal("$.any.@type", loneSurrogateType.JsonPath);
        var loneSurrogateKey = JsonError("{\"any\":{" + DurationAny + ",\"\\udc00\":1}}", WellKnown.Descriptor);
        Assert.StartsWith("invalid string: ", loneSurrogateKey.Message);
        Assert.Equal("$.any", loneSurrogateKey.JsonPath);
        var loneSurrogateBeforeType = JsonError("{\"any\":{\"\\udc00\":1," + DurationAny + "}}", WellKnown.Descriptor);
        Assert.StartsWith("invalid string: ", loneSurrogateBeforeType.Message);
        Assert.Equal("$.any", loneSurrogateBeforeType.JsonPath);
    }

    [Theory]
    [InlineData("\"0000-12-31T23:59:59Z\"")]
    [InlineData("\"10000-01-01T00:00:00Z\"")]
    [InlineData("\"0001-01-01T00:00:00+00:01\"")]
    [InlineData("\"9999-12-31T23:59:59-00:01\"")]
    [InlineData("\"1972-01-01t10:00:20Z\"")]
    [InlineData("\"1972-01-01T10:00:20z\"")]
    [InlineData("\"1972-01-01 10:00:20Z\"")]
    [InlineData("\"1972-01-01T10:00:20\"")]
    [InlineData("\"1972-02-30T10:00:20Z\"")]
    [InlineData("\"1972-01-01T24:00:00Z\"")]
    [InlineData("\"1972-01-01T23:59:60Z\"")]
    [InlineData("\"1972-01-01T10:00:20.1234567891Z\"")]
    [InlineData("\"1972-01-01T10:00:20.Z\"")]
    [InlineData("\"1972-01-01T10:00:20+0100\"")]
    public void InvalidTimestampsAreRejected(string json)
    {
        var error = JsonError($$"""{"timestamp":{{json}}}""", WellKnown.Descriptor);
        Assert.Equal($"{json} is not a valid google.protobuf.Timestamp: expected RFC 3339 such as \"1972-01-01T10:00:20.021Z\" between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z", error.Message);
        Assert.Equal("$.timestamp", error.JsonPath);
    }

    [Theory]
    [InlineData("\"1.5\"")]
    [InlineData("\"-1.-5s\"")]
    [InlineData("\"1.0000000001s\"")]
    [InlineData("\"315576000001s\"")]
    [InlineData("\"-315576000001s\"")]
    [InlineData("\"+1s\"")]
    [InlineData("\".5s\"")]
    [InlineData("\"1.s\"")]
    [InlineData("\"1e3s\"")]
    [InlineData("\"1S\"")]
    public void InvalidDurationsAreRejected(string json)
    {
        var error = JsonError($$"""{"rDuration":["1s",{{json}}]}""", WellKnown.Descriptor);
        Assert.StartsWith($"{json} is not a valid google.protobuf.Duration", error.Message);
        Assert.Equal("$.rDuration[1]", error.JsonPath);
    }

    [Fact]
    public void Duration_sign_applies_to_the_fraction()
    {
        Assert.Equal(new Google.Protobuf.WellKnownTypes.Duration { Nanos = -500_000_000 }, FromJson<WellKnown>("""{"duration":"-0.5s"}""").Duration);
        Assert.Equal(new Google.Protobuf.WellKnownTypes.Duration { Seconds = -315_576_000_000, Nanos = -999_999_999 }, FromJson<WellKnown>("""{"duration":"-315576000000.999999999s"}""").Duration);
    }

    [Fact]
    public void FieldMask_must_be_valid_UTF8() =>
        AssertInvalidUtf8("""{"fieldMask":"name,a~"}""", WellKnown.Descriptor, "string is not valid UTF-8", "$.fieldMask");

    [Fact]
    public void FieldMask_paths_must_be_lower_camel_case() =>
        AssertError(
            """{"fieldMask":"name,foo_bar"}""",
            WellKnown.Descriptor,
            "field mask path \"foo_bar\" is not lowerCamelCase (underscores are not allowed in JSON field masks)",
            "$.fieldMask");

    [Fact]
    public void Any_errors()
    {
        AssertError(
            """{"any":{"@type":"type.googleapis.com/x.Unknown","a":1}}""",
            WellKnown.Descriptor,
            "unknown type URL 'type.googleapis.com/x.Unknown' in google.protobuf.Any",
            "$.any.@type");
        AssertError("""{"any":{"@type":"NoSlash"}}""", WellKnown.Descriptor, "invalid type URL 'NoSlash': expected 'type.googleapis.com/<message full name>'", "$.any.@type");
        AssertError("""{"any":{"value":1}}""", WellKnown.Descriptor, "google.protobuf.Any is missing its '@type' property", "$.any");
        AssertError(
            """{"any":{"@type":"type.googleapis.com/google.protobuf.Value"}}""",
            WellKnown.Descriptor,
            "google.protobuf.Any holding google.protobuf.Value is missing its 'value' property",
            "$.any");
        AssertError(
            """{"rAny":[{"@type":"type.googleapis.com/google.protobuf.Duration"}]}""",
            WellKnown.Descriptor,
            "google.protobuf.Any holding google.protobuf.Duration is missing its 'value' property",
            "$.rAny[0]");
        AssertError("""{"any":{"@type":1}}""", WellKnown.Descriptor, "expected a type URL string but got 1", "$.any.@type");
        AssertError(
            """{"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s","extra":1}}""",
            WellKnown.Descriptor,
            "unknown field 'extra' in google.protobuf.Any holding google.protobuf.Duration (expected 'value')",
            "$.any.extra");
        AssertError(
            """{"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":5}}""",
            WellKnown.Descriptor,
            "expected a duration string such as \"1.5s\" but got 5",
            "$.any.value");
        AssertError(
            """{"rAny":[{"fInt32":"x","@type":"type.googleapis.com/strait.tests.json.Scalars"}]}""",
            WellKnown.Descriptor,
            "expected an int32 but got \"x\"",
            "$.rAny[0].fInt32");
    }

    [Theory]
    [InlineData("""{"@type":"type.googleapis.com/strait.tests.json.Nested","@type":"type.googleapis.com/strait.tests.json.Scalars"}""")]
    [InlineData("""{"@type":"type.googleapis.com/strait.tests.json.Nested","value":1,"@type":"type.googleapis.com/strait.tests.json.Nested"}""")]
    [InlineData("""{"value":1,"@type":"type.googleapis.com/strait.tests.json.Nested","@type":"type.googleapis.com/strait.tests.json.Scalars"}""")]
    [InlineData("""{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s","@type":"type.googleapis.com/google.protobuf.Duration"}""")]
    public void DuplicateAnyTypeIsRejected(string any) =>
        AssertError($$"""{"any":{{any}}}""", WellKnown.Descriptor, "duplicate '@type' in google.protobuf.Any", "$.any.@type");

    [Fact]
    public void Value_rejects_non_finite_numbers() =>
        AssertError("""{"value":{"a":[1e999]}}""", WellKnown.Descriptor, "1e999 is out of range for double", "$.value[\"a\"][0]");

    [Fact]
    public void Deep_nesting_is_rejected_without_exhausting_the_stack()
    {
        const int Depth = 10_000;
        var deepArray = "{\"value\":" + new string('[', Depth) + new string(']', Depth) + "}";
        AssertDepthError(deepArray, WellKnown.Descriptor);

        var deepStruct = new StringBuilder("{\"struct\":");
        for (var i = 0; i < Depth; i++)
        {
            deepStruct.Append("{\"a\":");
        }

        deepStruct.Append("null").Append('}', Depth + 1);
        AssertDepthError(deepStruct.ToString(), WellKnown.Descriptor);

        var deepMessage = new StringBuilder();
        for (var i = 0; i < Depth; i++)
        {
            deepMessage.Append("{\"child\":");
        }

        deepMessage.Append("{}").Append('}', Depth);
        AssertDepthError(deepMessage.ToString(), Nested.Descriptor);

        AssertDepthError(new string('[', Depth) + new string(']', Depth), Google.Protobuf.WellKnownTypes.Value.Descriptor);
        AssertDepthError("{\"ignored\":" + new string('[', Depth) + new string(']', Depth) + "}", Scalars.Descriptor, new JsonReadOptions { IgnoreUnknownFields = true });
        AssertDepthError("{\"any\":{\"a\":" + new string('[', Depth) + new string(']', Depth) + ",\"@type\":\"type.googleapis.com/google.protobuf.Empty\"}}", WellKnown.Descriptor);
    }

    public static TheoryData<string> DeepDocumentKinds => [.. DeepDocuments.Keys];

    [Theory]
    [MemberData(nameof(DeepDocumentKinds))]
    public void Depth_limit_admits_exactly_max_depth_containers(string kind)
    {
        var (type, document) = DeepDocuments[kind];
        foreach (var maxDepth in new[] { 3, 64 })
        {
            var options = new JsonReadOptions { MaxDepth = maxDepth };
            ToBinary(document(maxDepth), type, options);
            AssertDepthError(document(maxDepth + 1), type, options);
        }
    }

    [Fact]
    public void Max_depth_counts_every_JSON_container()
    {
        var options = new JsonReadOptions { MaxDepth = 3 };
        Assert.Equal(Google.Protobuf.WellKnownTypes.Value.ForList(Google.Protobuf.WellKnownTypes.Value.ForList()), FromJson<WellKnown>("""{"value":[[]]}""", options).Value);
        AssertDepthError("""{"value":[[[]]]}""", WellKnown.Descriptor, options);
        AssertDepthError("""{"any":{"@type":"type.googleapis.com/google.protobuf.Value","value":[[]]}}""", WellKnown.Descriptor, options);
    }

    /// <summary>Documents that nest exactly the given number of JSON containers, the top-level object included.</summary>
    private static readonly Dictionary<string, (Google.Protobuf.Reflection.MessageDescriptor Type, Func<int, string> Document)> DeepDocuments = new()
    {
        ["Struct"] = (WellKnown.Descriptor, depth => "{\"struct\":" + Repeat("{\"a\":", depth - 1) + "null" + new string('}', depth)),
        ["ListValue"] = (WellKnown.Descriptor, depth => "{\"listValue\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}"),
        ["Value in a map"] = (Maps.Descriptor, depth => "{\"stringValue\":{\"k\":" + new string('[', depth - 2) + new string(']', depth - 2) + "}}"),
        ["Value in an Any"] = (WellKnown.Descriptor, depth => "{\"any\":{\"@type\":\"type.googleapis.com/google.protobuf.Value\",\"value\":" + new string('[', depth - 2) + new string(']', depth - 2) + "}}"),
        ["message"] = (Nested.Descriptor, depth => Repeat("{\"child\":", depth - 1) + "{}" + new string('}', depth - 1)),
    };

    private static string Repeat(string text, int count) => new StringBuilder().Insert(0, text, count).ToString();

    private static void AssertDepthError(string json, Google.Protobuf.Reflection.MessageDescriptor type, JsonReadOptions? options = null)
    {
        var error = JsonError(json, type, options);
        Assert.Equal($"JSON nesting exceeds the maximum depth of {(options ?? JsonReadOptions.Default).MaxDepth}", error.Message);
    }

    private static void AssertError(string json, Google.Protobuf.Reflection.MessageDescriptor type, string message, string path)
    {
        var error = JsonError(json, type);
        Assert.Equal(message, error.Message);
        Assert.Equal(path, error.JsonPath);
    }

    /// <summary>Checks the error for <paramref name="json"/> with each '~' replaced by the byte 0xFF, which UTF-8 never uses.</summary>
    private static void AssertInvalidUtf8(string json, Google.Protobuf.Reflection.MessageDescriptor type, string message, string path)
    {
        var bytes = Encoding.UTF8.GetBytes(json).Select(b => b == '~' ? (byte)0xFF : b).ToArray();
        var error = Assert.Throws<ProtoJsonException>(() => Codec.JsonToBinary(bytes, type, new ArrayBufferWriter<byte>(), JsonReadOptions.Default));
        Assert.Equal(message, error.Message);
        Assert.Equal(path, error.JsonPath);
    }
}
