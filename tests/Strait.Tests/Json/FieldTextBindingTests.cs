using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

public sealed class FieldTextBindingTests
{
    [Theory]
    [InlineData("f_double", "1.5", "fDouble", "1.5")]
    [InlineData("f_double", "NaN", "fDouble", "\"NaN\"")]
    [InlineData("f_double", "-Infinity", "fDouble", "\"-Infinity\"")]
    [InlineData("f_float", "Infinity", "fFloat", "\"Infinity\"")]
    [InlineData("f_float", "2.5e3", "fFloat", "2500")]
    [InlineData("f_int32", "-12", "fInt32", "-12")]
    [InlineData("f_int32", "1e3", "fInt32", "1000")]
    [InlineData("f_int64", "9007199254740993", "fInt64", "\"9007199254740993\"")]
    [InlineData("f_uint32", "4294967295", "fUint32", "4294967295")]
    [InlineData("f_uint64", "18446744073709551615", "fUint64", "\"18446744073709551615\"")]
    [InlineData("f_sint32", "-2147483648", "fSint32", "-2147483648")]
    [InlineData("f_sint64", "-9223372036854775808", "fSint64", "\"-9223372036854775808\"")]
    [InlineData("f_fixed32", "7", "fFixed32", "7")]
    [InlineData("f_fixed64", "8", "fFixed64", "\"8\"")]
    [InlineData("f_sfixed32", "-9", "fSfixed32", "-9")]
    [InlineData("f_sfixed64", "-10", "fSfixed64", "\"-10\"")]
    [InlineData("f_bool", "true", "fBool", "true")]
    [InlineData("f_bool", "1", "fBool", "true")]
    [InlineData("f_bool", "false", "fBool", "false")]
    [InlineData("f_bool", "0", "fBool", "false")]
    [InlineData("f_string", "a b/é😀", "fString", "\"a b/é😀\"")]
    [InlineData("f_bytes", "AP8=", "fBytes", "\"AP8=\"")]
    [InlineData("f_bytes", "AP-_", "fBytes", "\"AP+/\"")]
    [InlineData("f_bytes", "AP8", "fBytes", "\"AP8=\"")]
    [InlineData("f_enum", "COLOR_GREEN", "fEnum", "\"COLOR_GREEN\"")]
    [InlineData("f_enum", "COLOR_CRIMSON", "fEnum", "\"COLOR_RED\"")]
    [InlineData("f_enum", "-5", "fEnum", "\"COLOR_NEGATIVE\"")]
    [InlineData("f_enum", "42", "fEnum", "42")]
    public void BindsEveryScalarKind(string field, string text, string jsonName, string jsonValue)
    {
        var bytes = Bind(Path(Scalars.Descriptor, field), text);
        // Compared as messages: ProtoJSON output would omit the false and 0 that the binder writes on purpose.
        Assert.Equal(Parser.Parse<Scalars>($$"""{"{{jsonName}}":{{jsonValue}}}"""), Scalars.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void A_later_default_value_overrides_an_earlier_value_and_is_left_out_where_the_field_has_no_presence()
    {
        var bytes = BindAll(Scalars.Descriptor, (Path(Scalars.Descriptor, "f_int32"), "5"), (Path(Scalars.Descriptor, "f_int32"), "0"));
        Assert.Empty(bytes);
        Assert.True(Optionals.Parser.ParseFrom(Bind(Path(Optionals.Descriptor, "o_string"), "")).HasOString);
    }

    [Theory]
    [InlineData("timestamp", "1972-01-01T10:00:20.021+01:00", "timestamp", "\"1972-01-01T09:00:20.021Z\"")]
    [InlineData("duration", "-1.5s", "duration", "\"-1.500s\"")]
    [InlineData("field_mask", "name,author.displayName,author.display_name", "fieldMask", "\"name,author.displayName,author.displayName\"")]
    [InlineData("double_wrapper", "NaN", "doubleWrapper", "\"NaN\"")]
    [InlineData("float_wrapper", "1.5", "floatWrapper", "1.5")]
    [InlineData("int64_wrapper", "-9223372036854775808", "int64Wrapper", "\"-9223372036854775808\"")]
    [InlineData("uint64_wrapper", "18446744073709551615", "uint64Wrapper", "\"18446744073709551615\"")]
    [InlineData("int32_wrapper", "0", "int32Wrapper", "0")]
    [InlineData("uint32_wrapper", "3", "uint32Wrapper", "3")]
    [InlineData("bool_wrapper", "false", "boolWrapper", "false")]
    [InlineData("string_wrapper", "", "stringWrapper", "\"\"")]
    [InlineData("bytes_wrapper", "AQ", "bytesWrapper", "\"AQ==\"")]
    [InlineData("r_timestamp", "2000-01-01T00:00:00Z", "rTimestamp", "[\"2000-01-01T00:00:00Z\"]")]
    [InlineData("r_int32_wrapper", "4", "rInt32Wrapper", "[4]")]
    public void BindsWellKnownTypesWithTextForms(string field, string text, string jsonName, string jsonValue)
    {
        var bytes = Bind(Path(WellKnown.Descriptor, field), text);
        AssertJsonEquivalent($$"""{"{{jsonName}}":{{jsonValue}}}""", ToJson(bytes, WellKnown.Descriptor));
    }

    [Fact]
    public void Wrapper_with_default_value_is_present()
    {
        var message = WellKnown.Parser.ParseFrom(Bind(Path(WellKnown.Descriptor, "int32_wrapper"), "0"));
        Assert.Equal(0, message.Int32Wrapper);
    }

    [Fact]
    public void Nested_paths_are_wrapped_in_their_enclosing_messages()
    {
        var bytes = Bind(Path(Everything.Descriptor, "nested", "child", "scalars", "f_string"), "deep");
        var expected = new Everything { Nested = new Nested { Child = new Nested { Scalars = new Scalars { FString = "deep" } } } };
        Assert.Equal(expected.ToByteArray(), bytes);

        var longText = new string('x', 20_000);
        Assert.Equal(
            new Everything { Nested = new Nested { Child = new Nested { Name = longText } } }.ToByteArray(),
            Bind(Path(Everything.Descriptor, "nested", "child", "name"), longText));
    }

    [Fact]
    public void Values_for_one_message_are_written_as_one_canonical_message()
    {
        var bytes = BindAll(
            Everything.Descriptor,
            (Path(Everything.Descriptor, "scalars", "f_int32"), "1"),
            (Path(Everything.Descriptor, "repeateds", "r_string"), "a"),
            (Path(Everything.Descriptor, "scalars", "f_string"), "s"),
            (Path(Everything.Descriptor, "repeateds", "r_int32"), "7"),
            (Path(Everything.Descriptor, "repeateds", "r_string"), "b"),
            (Path(Everything.Descriptor, "scalars", "f_int32"), "2"),
            (Path(Everything.Descriptor, "repeateds", "r_int32"), "8"),
            (Path(Everything.Descriptor, "well_known", "field_mask"), "a"),
            (Path(Everything.Descriptor, "well_known", "field_mask"), "b,c"));
        var expected = new Everything
        {
            Scalars = new Scalars { FInt32 = 2, FString = "s" },
            Repeateds = new Repeateds { RString = { "a", "b" }, RInt32 = { 7, 8 } },

            // A text value for a whole well-known type replaces the earlier one.
            WellKnown = new WellKnown { FieldMask = new FieldMask { Paths = { "b", "c" } } },
        };
        Assert.Equal(expected.ToByteArray(), bytes);
    }

    [Theory]
    [InlineData("abc", "expected an int32 but got \"abc\"")]
    [InlineData("1.5", "expected an int32 but got \"1.5\"")]
    [InlineData("", "expected an int32 but got \"\"")]
    [InlineData("2147483648", "\"2147483648\" is out of range for int32")]
    public void InvalidIntegerTextNamesTheDottedPath(string text, string message)
    {
        var error = Assert.Throws<ProtoJsonException>(() => Bind(Path(Everything.Descriptor, "scalars", "f_int32"), text));
        Assert.Equal(message, error.Message);
        Assert.Equal("scalars.f_int32", error.JsonPath);
    }

    [Theory]
    [InlineData(new[] { "f_bool" }, "yes", "expected a bool (true, false, 1 or 0) but got \"yes\"")]
    [InlineData(new[] { "f_enum" }, "COLOR_BOGUS", "'COLOR_BOGUS' is not a value of enum strait.tests.json.Color")]
    [InlineData(new[] { "f_enum" }, "1.5", "expected an enum value but got \"1.5\"")]
    [InlineData(new[] { "f_bytes" }, "!!", "expected base64-encoded bytes but got \"!!\"")]
    [InlineData(new[] { "f_float" }, "1e39", "\"1e39\" is out of range for float")]
    [InlineData(new[] { "f_double" }, "nan", "expected a double but got \"nan\"")]
    public void InvalidScalarTextIsRejected(string[] path, string text, string message)
    {
        var error = Assert.Throws<ProtoJsonException>(() => Bind(Path(Scalars.Descriptor, path), text));
        Assert.Equal(message, error.Message);
        Assert.Equal(path[0], error.JsonPath);
    }

    [Fact]
    public void Fields_without_a_text_form_are_rejected()
    {
        AssertBindError(Path(Nested.Descriptor, "child"), "x", "a strait.tests.json.Nested cannot be bound from text; send it in the request body", "child");
        AssertBindError(Path(WellKnown.Descriptor, "struct"), "{}", "a google.protobuf.Struct cannot be bound from text; send it in the request body", "struct");
        AssertBindError(Path(WellKnown.Descriptor, "any"), "x", "a google.protobuf.Any cannot be bound from text; send it in the request body", "any");
        AssertBindError(Path(Maps.Descriptor, "string_string"), "x", "map fields cannot be bound from text", "string_string");
        AssertBindError(Path(Nested.Descriptor, "children", "value"), "1", "cannot bind a value through repeated field 'children'", "children.value");
        AssertBindError(Path(WellKnown.Descriptor, "timestamp"), "1972-01-01", "\"1972-01-01\" is not a valid RFC 3339 timestamp between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z", "timestamp");
        AssertBindError(Path(WellKnown.Descriptor, "duration"), "1m", "\"1m\" is not a valid duration such as \"1.5s\" within ±315576000000s", "duration");
        AssertBindError(Path(Scalars.Descriptor, "f_string"), "\ud800", "value is not valid Unicode text", "f_string");
    }

    [Fact]
    public void Path_must_follow_message_types()
    {
        var mismatched = new[] { Everything.Descriptor.FindFieldByName("scalars"), Nested.Descriptor.FindFieldByName("value") };
        Assert.Throws<ArgumentException>(() => Bind(mismatched, "1"));
        Assert.Throws<ArgumentException>(() => Bind([], "1"));
    }

    private static void AssertBindError(IReadOnlyList<FieldDescriptor> path, string text, string message, string jsonPath)
    {
        var error = Assert.Throws<ProtoJsonException>(() => Bind(path, text));
        Assert.Equal(message, error.Message);
        Assert.Equal(jsonPath, error.JsonPath);
    }

    private static FieldDescriptor[] Path(MessageDescriptor root, params string[] names)
    {
        var result = new FieldDescriptor[names.Length];
        var type = root;
        for (var i = 0; i < names.Length; i++)
        {
            result[i] = type.FindFieldByName(names[i]);
            type = result[i].FieldType == FieldType.Message ? result[i].MessageType : null!;
        }

        return result;
    }

    private static byte[] Bind(IReadOnlyList<FieldDescriptor> path, string text) =>
        BindAll(path.Count == 0 ? Scalars.Descriptor : path[0].ContainingType, (path, text));

    private static byte[] BindAll(MessageDescriptor root, params (IReadOnlyList<FieldDescriptor> Path, string Text)[] values)
    {
        var bindings = Codec.CreateBindings(root);
        foreach (var (path, text) in values)
        {
            bindings.Add(path, text);
        }

        var output = new ArrayBufferWriter<byte>();
        ProtoJsonCodec.WriteBindings(bindings, output);
        return output.WrittenSpan.ToArray();
    }
}
