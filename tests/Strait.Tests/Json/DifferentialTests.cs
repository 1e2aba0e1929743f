using Google.Protobuf;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.Json;

// The differential suites are separate classes so that xunit runs them in parallel.

/// <summary>
/// Binary→JSON agrees with Google.Protobuf's JsonFormatter and reads back through its JsonParser, on seeded
/// random messages: <see cref="ConformanceCases.BatchCount"/> batches of <see cref="ConformanceCases.DifferentialPerBatch"/>,
/// each message under the 4 <see cref="OptionSets"/>.
/// </summary>
public sealed class DifferentialTests
{
    public static TheoryData<int> Batches => ConformanceCases.Batches;

    internal static IEnumerable<(JsonWriteOptions Options, JsonFormatter Formatter)> OptionSets()
    {
        yield return (JsonWriteOptions.Default, Formatter());
        yield return (new JsonWriteOptions { EmitUnpopulated = true }, Formatter(emitUnpopulated: true));
        yield return (new JsonWriteOptions { UseProtoFieldNames = true }, Formatter(protoNames: true));
        yield return (new JsonWriteOptions { EnumsAsIntegers = true, EmitUnpopulated = true }, Formatter(emitUnpopulated: true, enumsAsIntegers: true));
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void Binary_to_JSON_agrees_with_JsonFormatter(int batch)
    {
        var generator = new RandomMessageGenerator(batch);
        for (var i = 0; i < ConformanceCases.DifferentialPerBatch; i++)
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
}

/// <summary>JsonFormatter's JSON, under each of <see cref="DifferentialTests.OptionSets"/>, becomes the original's canonical encoding.</summary>
public sealed class JsonFormatterOutputDifferentialTests
{
    public static TheoryData<int> Batches => ConformanceCases.Batches;

    [Theory]
    [MemberData(nameof(Batches))]
    public void JSON_to_binary_of_JsonFormatter_output_is_canonical_encoding_of_original(int batch)
    {
        var generator = new RandomMessageGenerator(1000 + batch);
        for (var i = 0; i < ConformanceCases.DifferentialPerBatch; i++)
        {
            var message = generator.Next<Everything>();
            foreach (var (_, formatter) in DifferentialTests.OptionSets())
            {
                var bytes = ToBinary(formatter.Format(message), Everything.Descriptor);
                Assert.Equal(message, Everything.Parser.ParseFrom(bytes));
                Assert.Equal(message.ToByteArray(), bytes);
            }
        }
    }
}

/// <summary>Binary→JSON→binary, under each of <see cref="DifferentialTests.OptionSets"/>, gives back the same bytes.</summary>
public sealed class RoundTripDifferentialTests
{
    public static TheoryData<int> Batches => ConformanceCases.Batches;

    [Theory]
    [MemberData(nameof(Batches))]
    public void Binary_to_JSON_to_binary_round_trips(int batch)
    {
        var generator = new RandomMessageGenerator(2000 + batch);
        for (var i = 0; i < ConformanceCases.DifferentialPerBatch; i++)
        {
            var message = generator.Next<Everything>();
            foreach (var (options, _) in DifferentialTests.OptionSets())
            {
                Assert.Equal(message.ToByteArray(), ToBinary(ToJson(message, options), Everything.Descriptor));
            }
        }
    }
}

/// <summary>
/// Feeds both parsers valid but non-canonical ProtoJSON for seeded random messages (see
/// <see cref="ProtoJsonVariantWriter"/>). Forms that JsonParser also accepts must give JsonParser's message
/// and its canonical encoding; forms only the spec allows must still give the original message.
/// </summary>
public sealed class VariedJsonDifferentialTests
{
    public static TheoryData<int> Batches => ConformanceCases.Batches;

    [Theory]
    [MemberData(nameof(Batches))]
    public void JSON_to_binary_of_varied_JSON_agrees_with_JsonParser(int batch)
    {
        var generator = new RandomMessageGenerator(3000 + batch);
        for (var i = 0; i < ConformanceCases.DifferentialPerBatch; i++)
        {
            var message = generator.Next<Everything>();
            var seed = (batch * 1_000_000) + i;

            var json = new ProtoJsonVariantWriter(seed, JsonVariants.AcceptedByJsonParser).Write(message);
            var google = Parser.Parse<Everything>(json);
            var ours = ToBinary(json, Everything.Descriptor);
            AssertSame(message, Everything.Parser.ParseFrom(ours), seed, json);
            AssertSame(google, Everything.Parser.ParseFrom(ours), seed, json);
            Assert.True(google.ToByteArray().AsSpan().SequenceEqual(ours), $"not JsonParser's canonical encoding (writer seed {seed}): {json}");

            var specJson = new ProtoJsonVariantWriter(seed, JsonVariants.AllowedBySpec).Write(message);
            var specBytes = ToBinary(specJson, Everything.Descriptor);
            var specOurs = Everything.Parser.ParseFrom(specBytes);
            AssertSame(message, specOurs, seed, specJson);
            Assert.True(specOurs.ToByteArray().AsSpan().SequenceEqual(specBytes), $"not a canonical encoding (writer seed {seed}): {specJson}");
        }
    }

    private static void AssertSame(Everything expected, Everything actual, int seed, string json) =>
        Assert.True(expected.Equals(actual), $"writer seed {seed}\njson     {json}\nexpected {expected}\nactual   {actual}");
}
