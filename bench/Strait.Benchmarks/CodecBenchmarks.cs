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

    private readonly ArrayBufferWriter<byte> _binaryOutput = new(256 * 1024);
    private readonly ArrayBufferWriter<byte> _jsonOutput = new(512 * 1024);
    private Utf8JsonWriter _jsonWriter = null!;
    private ProtoJsonCodec _codec = null!;
    private MessageDescriptor _descriptor = null!;
    private MessageParser _parser = null!;
    private byte[] _jsonUtf8 = [];
    private string _json = "";
    private byte[] _binary = [];
    private (FieldDescriptor[] Path, string Text)[] _bound = [];

    [Params(MessageSize.Small, MessageSize.Medium, MessageSize.Large)]
    public MessageSize Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var message = SampleMessages.Create(Size);
        _descriptor = message.Descriptor;
        _parser = _descriptor.Parser;
        _codec = new ProtoJsonCodec(new TypeRegistryResolver(TypeRegistry.FromMessages(_descriptor)));
        _json = JsonFormatter.Default.Format(message);
        _jsonUtf8 = Encoding.UTF8.GetBytes(_json);
        _binary = message.ToByteArray();
        _jsonWriter = new Utf8JsonWriter(_jsonOutput, JsonWriting.Options);

        // What a route such as `PATCH /v1/orders/{id}?customer.name=…` adds: values merged into the body, one into a
        // message the body also sets.
        _bound = Size switch
        {
            MessageSize.Small => [(Path("id"), "7"), (Path("name"), "bound")],
            MessageSize.Medium => [(Path("id"), "o-1"), (Path("customer", "name"), "bound")],
            _ => [(Path("next_page_token"), "bound")],
        };
    }

    private FieldDescriptor[] Path(params string[] names)
    {
        var path = new FieldDescriptor[names.Length];
        var type = _descriptor;
        for (var i = 0; i < names.Length; i++)
        {
            path[i] = type.FindFieldByName(names[i]);
            type = path[i].FieldType == FieldType.Message ? path[i].MessageType : null!;
        }

        return path;
    }

    [GlobalCleanup]
    public void Cleanup() => _jsonWriter.Dispose();

    [Benchmark(Baseline = true, Description = "Google.Protobuf JsonParser.Parse + ToByteArray")]
    [BenchmarkCategory(JsonToBinary)]
    public byte[] GoogleJsonToBinary() => JsonParser.Default.Parse(_json, _descriptor).ToByteArray();

    [Benchmark(Description = "Strait ProtoJsonCodec.JsonToBinary")]
    [BenchmarkCategory(JsonToBinary)]
    public int StraitJsonToBinary()
    {
        _binaryOutput.ResetWrittenCount();
        _codec.JsonToBinary(_jsonUtf8, _descriptor, _binaryOutput);
        return _binaryOutput.WrittenCount;
    }

    [Benchmark(Description = "Strait JSON→binary with path/query values merged")]
    [BenchmarkCategory(JsonToBinary)]
    public int StraitJsonToBinaryWithBindings()
    {
        _binaryOutput.ResetWrittenCount();
        var bindings = _codec.CreateBindings(_descriptor);
        foreach (var (path, text) in _bound)
        {
            bindings.Add(path, text);
        }

        _codec.JsonToBinary(_jsonUtf8, _descriptor, bindings, _binaryOutput);
        return _binaryOutput.WrittenCount;
    }

    [Benchmark(Description = "floor: Utf8JsonReader pass")]
    [BenchmarkCategory(JsonToBinary)]
    public int Utf8JsonReaderFloor()
    {
        var reader = new Utf8JsonReader(_jsonUtf8);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    [Benchmark(Baseline = true, Description = "Google.Protobuf ParseFrom + JsonFormatter.Format")]
    [BenchmarkCategory(BinaryToJson)]
    public string GoogleBinaryToJson() => JsonFormatter.Default.Format(_parser.ParseFrom(_binary));

    [Benchmark(Description = "Strait ProtoJsonCodec.BinaryToJson")]
    [BenchmarkCategory(BinaryToJson)]
    public long StraitBinaryToJson()
    {
        _jsonOutput.ResetWrittenCount();
        _jsonWriter.Reset(_jsonOutput);
        _codec.BinaryToJson(_binary, _descriptor, _jsonWriter);
        _jsonWriter.Flush();
        return _jsonWriter.BytesCommitted;
    }
}
