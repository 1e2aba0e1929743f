using Google.Protobuf;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Json.JsonTestSupport;

namespace Strait.Tests.Json;

/// <summary>
/// Compares the transcoder with Google.Protobuf's JsonFormatter/JsonParser on seeded random messages
/// (20 batches × 20 messages × 4 option sets in each direction).
/// </summary>
public sealed class DifferentialTests
{
    private const int MessagesPerBatch = 20;

    public static TheoryData<int> Batches => [.. Enumerable.Range(0, 20)];

    public static IEnumerable<(JsonWriteOptions Options, JsonFormatter Formatter)> OptionSets()
    {
        yield return (JsonWriteOptions.Default, Formatter());
        yield return (new JsonWriteOptions { EmitUnpopulated = true }, Formatter(emitUnpopulated: true));
        yield return (new JsonWriteOptions { UseProtoFieldNames = true }, Formatter(protoNames: true));
        yield return (new JsonWriteOptions { EnumsAsIntegers = true, EmitUnpopulated = true }, Formatter(emitUnpopulated: true, enumsAsIntegers: true));
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void BinaryToJson_AgreesWithJsonFormatter(int batch)
    {
        var generator = new RandomMessageGenerator(batch);
        for (var i = 0; i < MessagesPerBatch; i++)
        {
            var message = generator.Next<Everything>();
            foreach (var (options, formatter) in OptionSets())
            {
                var ours = ToJson(message, options);
                Assert.Equal(message, Parser.Parse<Everything>(ours));
                AssertJsonEquivalent(formatter.Format(message), ours);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void JsonToBinary_OfJsonFormatterOutput_IsCanonicalEncodingOfOriginal(int batch)
    {
        var generator = new RandomMessageGenerator(1000 + batch);
        for (var i = 0; i < MessagesPerBatch; i++)
        {
            var message = generator.Next<Everything>();
            foreach (var (_, formatter) in OptionSets())
            {
                var bytes = ToBinary(formatter.Format(message), Everything.Descriptor);
                Assert.Equal(message, Everything.Parser.ParseFrom(bytes));
                Assert.Equal(message.ToByteArray(), bytes);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void BinaryToJsonToBinary_RoundTrips(int batch)
    {
        var generator = new RandomMessageGenerator(2000 + batch);
        for (var i = 0; i < MessagesPerBatch; i++)
        {
            var message = generator.Next<Everything>();
            foreach (var (options, _) in OptionSets())
            {
                Assert.Equal(message.ToByteArray(), ToBinary(ToJson(message, options), Everything.Descriptor));
            }
        }
    }
}
