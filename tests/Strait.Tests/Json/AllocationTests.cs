using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

/// <summary>
/// Guards the codec's allocation budget: once plans are cached, transcoding allocates nothing per message, so
/// nothing grows with the number of fields. Counted with the thread's allocation counter, not timed.
/// </summary>
public sealed class AllocationTests
{
    private const int Warmup = 200;
    private const int Measured = 500;

    public static TheoryData<string> Messages => ["scalars", "nested", "repeateds", "maps", "timestamps"];

    private static IMessage Sample(string name) => name switch
    {
        "scalars" => new Scalars
        {
            FDouble = 1.5,
            FFloat = 2.5f,
            FInt32 = -3,
            FInt64 = 9_007_199_254_740_993L,
            FUint32 = 4,
            FUint64 = ulong.MaxValue,
            FSint32 = -5,
            FSint64 = -6,
            FFixed32 = 7,
            FFixed64 = 8,
            FSfixed32 = -9,
            FSfixed64 = -10,
            FBool = true,
            FString = "a \"quoted\" string é",
            FBytes = ByteString.CopyFromUtf8("bytes"),
            FEnum = Color.Green,
        },
        "nested" => new Nested { Value = 1, Name = "outer", Child = new Nested { Value = 2, Child = new Nested { Name = "leaf" } } },
        "repeateds" => new Repeateds { RInt32 = { 1, 2, 3 }, RString = { "a", "b" }, UInt64 = { 5, 6 }, RMessage = { new Nested { Value = 1 } } },
        "maps" => new Maps { StringString = { ["k"] = "v", ["k2"] = "v2" }, Int32Int32 = { [1] = 2 }, StringMessage = { ["m"] = new Nested { Value = 3 } } },
        "timestamps" => new WellKnown
        {
            Timestamp = Timestamp.FromDateTime(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)),
            Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)),
            Int32Wrapper = 5,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void JSON_to_binary_allocates_nothing_per_message(string name)
    {
        var message = Sample(name);
        var json = Encoding.UTF8.GetBytes(Formatter().Format(message));
        var output = new ArrayBufferWriter<byte>(4096);
        var perMessage = BytesPerCall(() =>
        {
            output.ResetWrittenCount();
            Codec.JsonToBinary(json, message.Descriptor, output);
        });

        Assert.Equal(message.ToByteArray(), output.WrittenSpan.ToArray());
        Assert.True(perMessage < 1, $"JSON→binary of '{name}' allocated {perMessage:0.##} bytes per message");
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Binary_to_JSON_allocates_nothing_per_message(string name)
    {
        var message = Sample(name);
        var binary = message.ToByteArray();
        var output = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        var perMessage = BytesPerCall(() =>
        {
            output.ResetWrittenCount();
            writer.Reset(output);
            Codec.BinaryToJson(binary, message.Descriptor, writer);
            writer.Flush();
        });

        AssertJsonEquivalent(Formatter().Format(message), Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.True(perMessage < 1, $"binary→JSON of '{name}' allocated {perMessage:0.##} bytes per message");
    }

    [Fact]
    public void Prepared_codec_transcodes_its_first_message_without_building_plans()
    {
        var message = new Everything { Nested = (Nested)Sample("nested"), Maps = (Maps)Sample("maps"), Scalars = (Scalars)Sample("scalars") };
        var json = Encoding.UTF8.GetBytes(Formatter().Format(message));
        var output = new ArrayBufferWriter<byte>(4096);
        Codec.JsonToBinary(json, Everything.Descriptor, output); // compiles the code paths, on another codec's plans

        // Building plans allocates; a prepared codec's first call must not. Recursive types (Nested) must not loop.
        var prepared = new ProtoJsonCodec(new TypeRegistryResolver(Registry));
        prepared.Prepare(Everything.Descriptor);
        var unprepared = new ProtoJsonCodec(new TypeRegistryResolver(Registry));

        Assert.Equal(0, AllocatedBy(() => prepared.JsonToBinary(json, Everything.Descriptor, output)));
        Assert.True(AllocatedBy(() => unprepared.JsonToBinary(json, Everything.Descriptor, output)) > 0);
    }

    private static long AllocatedBy(Action call)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        call();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static double BytesPerCall(Action call)
    {
        for (var i = 0; i < Warmup; i++)
        {
            call();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Measured; i++)
        {
            call();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Measured;
    }
}
