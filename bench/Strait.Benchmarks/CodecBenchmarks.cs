using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Strait.Json;

namespace Strait.Benchmarks;

/// <summary>
/// Strait's codec against Google.Protobuf's generated-code path, per direction and message size, with a bare
/// <see cref="Utf8JsonReader"/> pass over the same JSON as the floor no JSON→binary transcoder can beat.
/// </summary>
/// <remarks>
/// Google.Protobuf is given its most convenient forms: JSON as a .NET string in and out (a gateway would also
/// pay UTF-8 decoding and encoding around it) and compiled message classes. Strait gets UTF-8 bytes and writes
/// into reused buffers, as the gateway does.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class CodecBenchmarks
{
    private const string JsonToBinary = "JSON→binary";
    private const string BinaryToJson = "binary→JSON";

    private readonly ArrayBufferWriter<byte> binaryOutput = new(256 * 1024);
    private readonly ArrayBufferWriter<byte> jsonOutput = new(512 * 1024);
    private Utf8JsonWriter jsonWriter = null!;
    private ProtoJsonCodec codec = null!;
    private MessageDescriptor descriptor = null!;
    private MessageParser parser = null!;
    private byte[] jsonUtf8 = [];
    private string json = "";
    private byte[] binary = [];
    private (FieldDescriptor[] Path, string Text)[] bound = [];

    [Params(MessageSize.Small, MessageSize.Medium, MessageSize.Large)]
    public MessageSize Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var message = SampleMessages.Create(Size);
        descriptor = message.Descriptor;
        parser = descriptor.Parser;
        codec = new ProtoJsonCodec(new TypeRegistryResolver(TypeRegistry.FromMessages(descriptor)));
        json = JsonFormatter.Default.Format(message);
        jsonUtf8 = Encoding.UTF8.GetBytes(json);
        binary = message.ToByteArray();
        jsonWriter = new Utf8JsonWriter(jsonOutput, JsonWriting.Options);

        // What a route such as `PATCH /v1/orders/{id}?customer.name=…` adds: values merged into the body, one into a
        // message the body also sets.
        bound = Size switch
        {
            MessageSize.Small => [(Path("id"), "7"), (Path("name"), "bound")],
            MessageSize.Medium => [(Path("id"), "o-1"), (Path("customer", "name"), "bound")],
            _ => [(Path("next_page_token"), "bound")],
        };
    }

    private FieldDescriptor[] Path(params string[] names)
    {
        var path = new FieldDescriptor[names.Length];
        var type = descriptor;
        for (var i = 0; i < names.Length; i++)
        {
            path[i] = type.FindFieldByName(names[i]);
            type = path[i].FieldType == FieldType.Message ? path[i].MessageType : null!;
        }

        return path;
    }

    [GlobalCleanup]
    public void Cleanup() => jsonWriter.Dispose();

    [Benchmark(Baseline = true, Description = "Google.Protobuf JsonParser.Parse + ToByteArray")]
    [BenchmarkCategory(JsonToBinary)]
    public byte[] GoogleJsonToBinary() => JsonParser.Default.Parse(json, descriptor).ToByteArray();

    [Benchmark(Description = "Strait ProtoJsonCodec.JsonToBinary")]
    [BenchmarkCategory(JsonToBinary)]
    public int StraitJsonToBinary()
    {
        binaryOutput.ResetWrittenCount();
        codec.JsonToBinary(jsonUtf8, descriptor, binaryOutput);
        return binaryOutput.WrittenCount;
    }

    [Benchmark(Description = "Strait JSON→binary with path/query values merged")]
    [BenchmarkCategory(JsonToBinary)]
    public int StraitJsonToBinaryWithBindings()
    {
        binaryOutput.ResetWrittenCount();
        var bindings = codec.CreateBindings(descriptor);
        foreach (var (path, text) in bound)
        {
            bindings.Add(path, text);
        }

        codec.JsonToBinary(jsonUtf8, descriptor, bindings, binaryOutput);
        return binaryOutput.WrittenCount;
    }

    [Benchmark(Description = "floor: Utf8JsonReader pass")]
    [BenchmarkCategory(JsonToBinary)]
    public int Utf8JsonReaderFloor()
    {
        var reader = new Utf8JsonReader(jsonUtf8);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    [Benchmark(Baseline = true, Description = "Google.Protobuf ParseFrom + JsonFormatter.Format")]
    [BenchmarkCategory(BinaryToJson)]
    public string GoogleBinaryToJson() => JsonFormatter.Default.Format(parser.ParseFrom(binary));

    [Benchmark(Description = "Strait ProtoJsonCodec.BinaryToJson")]
    [BenchmarkCategory(BinaryToJson)]
    public long StraitBinaryToJson()
    {
        jsonOutput.ResetWrittenCount();
        jsonWriter.Reset(jsonOutput);
        codec.BinaryToJson(binary, descriptor, jsonWriter);
        jsonWriter.Flush();
        return jsonWriter.BytesCommitted;
    }
}
