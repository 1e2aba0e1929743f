using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Buffers;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

/// <summary>
/// The entry points for an HTTP rule's <c>body: "field"</c> and <c>response_body: "field"</c>, and building a
/// message in place in the gateway's pooled writer.
/// </summary>
public sealed class SingleFieldAndPooledOutputTests
{
    private static byte[] FieldToBinary(string json, int fieldNumber, IBufferWriter<byte>? output = null)
    {
        var field = Everything.Descriptor.FindFieldByNumber(fieldNumber);
        var target = output ?? new ArrayBufferWriter<byte>();
        Codec.JsonToBinary(System.Text.Encoding.UTF8.GetBytes(json), field, target);
        return target is ArrayBufferWriter<byte> array ? array.WrittenSpan.ToArray() : [];
    }

    [Fact]
    public void Body_field_encodes_the_value_as_that_field_of_the_message()
    {
        var bytes = FieldToBinary("""{"fInt32":5,"fString":"x"}""", Everything.ScalarsFieldNumber);
        Assert.Equal(new Everything { Scalars = new Scalars { FInt32 = 5, FString = "x" } }, Everything.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void Body_field_of_a_well_known_type_uses_its_JSON_form()
    {
        var field = WellKnown.Descriptor.FindFieldByNumber(WellKnown.TimestampFieldNumber);
        var output = new ArrayBufferWriter<byte>();
        Codec.JsonToBinary("\"1972-01-01T10:00:20.021Z\""u8, field, output);
        Assert.Equal(Timestamp.FromDateTime(new DateTime(1972, 1, 1, 10, 0, 20, 21, DateTimeKind.Utc)), WellKnown.Parser.ParseFrom(output.WrittenSpan).Timestamp);
    }

    [Fact]
    public void Body_field_that_is_null_leaves_the_field_unset() =>
        Assert.Empty(FieldToBinary("null", Everything.ScalarsFieldNumber));

    [Fact]
    public void Error_paths_start_at_the_body_field()
    {
        var error = Assert.Throws<ProtoJsonException>(() => FieldToBinary("""{"fInt32":"x"}""", Everything.ScalarsFieldNumber));
        Assert.Equal("$.scalars.fInt32", error.JsonPath);
    }

    [Theory]
    [InlineData("""{"fInt32":1} {"fInt32":2}""")]
    [InlineData("""{"fInt32":1},"names":{}""")]
    public void Body_field_must_be_exactly_one_JSON_value(string json) =>
        Assert.Throws<ProtoJsonException>(() => FieldToBinary(json, Everything.ScalarsFieldNumber));

    [Fact]
    public void An_extension_cannot_be_the_body_field()
    {
        var extension = Google.Api.AnnotationsReflection.Descriptor.Extensions.UnorderedExtensions[0];
        Assert.Throws<ArgumentException>(() => Codec.JsonToBinary("{}"u8, extension, new ArrayBufferWriter<byte>()));
    }

    public static TheoryData<string, int, string> ResponseBodies => new()
    {
        { "message", Everything.NestedFieldNumber, """{"value":1,"name":"n"}""" },
        { "scalar", Nested.ValueFieldNumber, "7" },
        { "repeated", Nested.ChildrenFieldNumber, """[{"value":2},{}]""" },
        { "map", Maps.StringStringFieldNumber, """{"k":"v"}""" },
        { "timestamp", WellKnown.TimestampFieldNumber, "\"1970-01-01T00:00:01Z\"" },
    };

    [Theory]
    [MemberData(nameof(ResponseBodies))]
    public void Response_body_field_is_written_alone(string kind, int fieldNumber, string expected)
    {
        IMessage reply = kind switch
        {
            "message" => new Everything { Nested = new Nested { Value = 1, Name = "n" }, Names = new Names { Custom = 3 } },
            "scalar" => new Nested { Value = 7, Name = "other" },
            "repeated" => new Nested { Children = { new Nested { Value = 2 }, new Nested() } },
            "map" => new Maps { StringString = { ["k"] = "v" }, Int32Int32 = { [1] = 2 } },
            _ => new WellKnown { Timestamp = new Timestamp { Seconds = 1 }, Duration = new Duration { Seconds = 2 } },
        };
        Assert.Equal(expected, FieldToJson(reply.ToByteArray(), reply.Descriptor.FindFieldByNumber(fieldNumber)));
    }

    [Fact]
    public void Response_body_message_merges_every_occurrence()
    {
        var bytes = new Everything { Nested = new Nested { Value = 1 } }.ToByteArray()
            .Concat(new Everything { Nested = new Nested { Name = "n" } }.ToByteArray()).ToArray();
        Assert.Equal("""{"value":1,"name":"n"}""", FieldToJson(bytes, Everything.Descriptor.FindFieldByNumber(Everything.NestedFieldNumber)));
    }

    [Fact]
    public void Absent_response_body_is_null_with_presence_and_the_default_without()
    {
        Assert.Equal("null", FieldToJson([], Everything.Descriptor.FindFieldByNumber(Everything.NestedFieldNumber)));
        Assert.Equal("0", FieldToJson([], Nested.Descriptor.FindFieldByNumber(Nested.ValueFieldNumber)));
        Assert.Equal("[]", FieldToJson([], Nested.Descriptor.FindFieldByNumber(Nested.ChildrenFieldNumber)));
        Assert.Equal("{}", FieldToJson([], Maps.Descriptor.FindFieldByNumber(Maps.StringStringFieldNumber)));
        var otherMember = new Oneofs { ChoiceString = "s" }.ToByteArray();
        Assert.Equal("null", FieldToJson(otherMember, Oneofs.Descriptor.FindFieldByNumber(Oneofs.ChoiceIntFieldNumber)));
    }

    [Fact]
    public void Malformed_reply_is_a_format_error_even_outside_the_response_body_field() =>
        Assert.Throws<ProtobufFormatException>(() => FieldToJson([0x12, 0x05, 0x61], Nested.Descriptor.FindFieldByNumber(Nested.ValueFieldNumber)));

    private static string FieldToJson(byte[] reply, Google.Protobuf.Reflection.FieldDescriptor field)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(output))
        {
            Codec.BinaryToJson(reply, field, writer);
        }

        return System.Text.Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Pooled_writer_gets_the_message_after_what_it_holds()
    {
        using var output = new PooledBufferWriter(16);
        output.Write(new Scalars { FInt32 = 1 }.ToByteArray());
        var large = new string('x', 100_000);
        Codec.JsonToBinary(System.Text.Encoding.UTF8.GetBytes($$"""{"fString":"{{large}}","fBool":true}"""), Scalars.Descriptor, output);
        Assert.Equal(new Scalars { FInt32 = 1, FString = large, FBool = true }, Scalars.Parser.ParseFrom(output.WrittenSpan));
    }

    [Fact]
    public void Pooled_writer_is_unchanged_when_the_JSON_is_rejected()
    {
        using var output = new PooledBufferWriter(16);
        var prefix = new Scalars { FInt32 = 1 }.ToByteArray();
        output.Write(prefix);
        Assert.Throws<ProtoJsonException>(() => Codec.JsonToBinary("""{"fString":"ok","fBool":"no"}"""u8, Scalars.Descriptor, output));
        Assert.Equal(prefix, output.WrittenSpan.ToArray());

        output.Write(new Scalars { FBool = true }.ToByteArray());
        Assert.Equal(new Scalars { FInt32 = 1, FBool = true }, Scalars.Parser.ParseFrom(output.WrittenSpan));
    }
}
