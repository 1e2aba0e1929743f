using System.Buffers;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

/// <summary>The cases of merging path and query values into a body that random messages seldom produce.</summary>
public sealed class MessageBindingsTests
{
    [Fact]
    public void A_body_value_that_a_binding_replaces_is_still_checked()
    {
        var error = Assert.Throws<ProtoJsonException>(() => Transcode("""{"nested":{"value":"abc"}}""", ("nested.value", "5")));

        Assert.Equal("$.nested.value", error.JsonPath);
    }

    [Fact]
    public void A_null_in_the_body_leaves_the_bound_values_in_place()
    {
        var bytes = Transcode("""{"nested":null,"repeateds":{"rInt32":null}}""", ("nested.name", "n"), ("repeateds.r_int32", "4"));

        Assert.Equal(new Everything { Nested = new Nested { Name = "n" }, Repeateds = new Repeateds { RInt32 = { 4 } } }.ToByteArray(), bytes);
    }

    [Fact]
    public void A_repeated_key_in_the_body_keeps_its_last_value_with_the_bound_values_merged_once()
    {
        var bytes = Transcode("""{"nested":{"value":1,"name":"first"},"nested":{"value":2}}""", ("nested.name", "bound"));

        Assert.Equal(new Everything { Nested = new Nested { Value = 2, Name = "bound" } }.ToByteArray(), bytes);
    }

    [Fact]
    public void Members_out_of_field_order_still_merge_into_one_canonical_message()
    {
        var bytes = Transcode(
            """{"names":{"custom":1},"nested":{"children":[{"value":1}],"value":3},"scalars":{"fInt32":5}}""",
            ("nested.name", "n"),
            ("scalars.f_string", "s"),
            ("oneofs.choice_int", "9"));

        var expected = new Everything
        {
            Scalars = new Scalars { FInt32 = 5, FString = "s" },
            Nested = new Nested { Value = 3, Name = "n", Children = { new Nested { Value = 1 } } },
            Oneofs = new Oneofs { ChoiceInt = 9 },
            Names = new Names { Custom = 1 },
        };
        Assert.Equal(expected.ToByteArray(), bytes);
    }

    [Fact]
    public void Values_cannot_reach_inside_a_well_known_type_written_whole()
    {
        var bindings = Codec.CreateBindings(Everything.Descriptor);
        var path = Path("well_known.any.type_url");

        var error = Assert.Throws<ProtoJsonException>(() => bindings.Add(path, "x"));

        Assert.Equal("cannot bind a value inside a google.protobuf.Any field by field", error.Message);
        Assert.Equal("well_known.any.type_url", error.JsonPath);
    }

    [Fact]
    public void A_value_inside_a_Timestamp_merges_with_the_bodys_Timestamp()
    {
        var bytes = Transcode("""{"wellKnown":{"timestamp":"1970-01-01T00:00:05.5Z"}}""", ("well_known.timestamp.nanos", "7"));

        var expected = new Everything { WellKnown = new WellKnown { Timestamp = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 5, Nanos = 7 } } };
        Assert.Equal(expected.ToByteArray(), bytes);
    }

    private static byte[] Transcode(string json, params (string Path, string Text)[] values)
    {
        var bindings = Codec.CreateBindings(Everything.Descriptor);
        foreach (var (path, text) in values)
        {
            bindings.Add(Path(path), text);
        }

        var output = new ArrayBufferWriter<byte>();
        Codec.JsonToBinary(Encoding.UTF8.GetBytes(json), Everything.Descriptor, bindings, output);
        return output.WrittenSpan.ToArray();
    }

    private static FieldDescriptor[] Path(string dotted)
    {
        var names = dotted.Split('.');
        var path = new FieldDescriptor[names.Length];
        var type = Everything.Descriptor;
        for (var i = 0; i < names.Length; i++)
        {
            path[i] = type.FindFieldByName(names[i]);
            type = path[i].FieldType == FieldType.Message ? path[i].MessageType : null!;
        }

        return path;
    }
}
