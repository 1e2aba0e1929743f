using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

public sealed class ConcurrencyTests
{
    [Fact]
    public void A_fresh_codec_builds_plans_safely_under_concurrent_use()
    {
        var generator = new RandomMessageGenerator(77);
        var messages = Enumerable.Range(0, 32).Select(_ => generator.Next<Everything>()).ToArray();
        var expectedJson = messages.Select(m => ToJson(m)).ToArray();
        var codec = new ProtoJsonCodec(new TypeRegistryResolver(Registry));

        Parallel.For(0, 256, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var message = messages[i % messages.Length];
            var json = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(json))
            {
                codec.BinaryToJson(message.ToByteArray(), Everything.Descriptor, writer, JsonWriteOptions.Default);
            }

            Assert.Equal(expectedJson[i % messages.Length], Encoding.UTF8.GetString(json.WrittenSpan));
            var binary = new ArrayBufferWriter<byte>();
            codec.JsonToBinary(json.WrittenSpan, Everything.Descriptor, binary, JsonReadOptions.Default);
            Assert.Equal(message.ToByteArray(), binary.WrittenSpan.ToArray());
        });
    }
}
