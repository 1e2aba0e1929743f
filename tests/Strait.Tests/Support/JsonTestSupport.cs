using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Strait.Json;
using Strait.Tests.Json.Protos;

namespace Strait.Tests.Support;

internal static class JsonTestSupport
{
    public static TypeRegistry Registry { get; } = TypeRegistry.FromFiles(
        TestMessagesReflection.Descriptor,
        LegacyReflection.Descriptor,
        AnyReflection.Descriptor,
        DurationReflection.Descriptor,
        EmptyReflection.Descriptor,
        FieldMaskReflection.Descriptor,
        StructReflection.Descriptor,
        TimestampReflection.Descriptor,
        WrappersReflection.Descriptor);

    public static ProtoJsonCodec Codec { get; } = new(new TypeRegistryResolver(Registry));

    public static JsonFormatter Formatter(bool emitUnpopulated = false, bool protoNames = false, bool enumsAsIntegers = false) =>
        new(JsonFormatter.Settings.Default
            .WithTypeRegistry(Registry)
            .WithFormatDefaultValues(emitUnpopulated)
            .WithPreserveProtoFieldNames(protoNames)
            .WithFormatEnumsAsIntegers(enumsAsIntegers));

    public static JsonParser Parser { get; } = new(JsonParser.Settings.Default.WithTypeRegistry(Registry));

    public static byte[] ToBinary(string json, MessageDescriptor type, JsonReadOptions? options = null)
    {
        var output = new ArrayBufferWriter<byte>();
        Codec.JsonToBinary(Encoding.UTF8.GetBytes(json), type, output, options ?? JsonReadOptions.Default);
        return output.WrittenSpan.ToArray();
    }

    public static T FromJson<T>(string json, JsonReadOptions? options = null)
        where T : IMessage<T>, new()
    {
        var message = new T();
        var bytes = ToBinary(json, message.Descriptor, options);
        message.MergeFrom(bytes);
        return message;
    }

    public static string ToJson(ReadOnlySpan<byte> data, MessageDescriptor type, JsonWriteOptions? options = null)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output))
        {
            Codec.BinaryToJson(data, type, writer, options ?? JsonWriteOptions.Default);
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    public static string ToJson(IMessage message, JsonWriteOptions? options = null) =>
        ToJson(message.ToByteArray(), message.Descriptor, options);

    public static ProtoJsonException JsonError(string json, MessageDescriptor type, JsonReadOptions? options = null) =>
        Assert.Throws<ProtoJsonException>(() => ToBinary(json, type, options));

    public static ProtobufFormatException BinaryError(byte[] data, MessageDescriptor type, JsonWriteOptions? options = null) =>
        Assert.Throws<ProtobufFormatException>(() => ToJson(data, type, options));

    /// <summary>Structural JSON equality where numbers compare by value (as double, or as float when one side is a float rendering).</summary>
    public static bool JsonEquals(JsonElement left, JsonElement right)
    {
        if (left.ValueKind != right.ValueKind)
        {
            return false;
        }

        switch (left.ValueKind)
        {
            case JsonValueKind.Object:
                var leftProperties = left.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
                var rightProperties = right.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
                return leftProperties.Count == rightProperties.Count
                    && leftProperties.All(p => rightProperties.TryGetValue(p.Key, out var other) && JsonEquals(p.Value, other));
            case JsonValueKind.Array:
                return left.GetArrayLength() == right.GetArrayLength()
                    && left.EnumerateArray().Zip(right.EnumerateArray()).All(pair => JsonEquals(pair.First, pair.Second));
            case JsonValueKind.Number:
                var a = left.GetDouble();
                var b = right.GetDouble();
                return a.Equals(b) || ((float)a).Equals((float)b);
            case JsonValueKind.String:
                return left.GetString() == right.GetString();
            default:
                return true;
        }
    }

    public static void AssertJsonEquivalent(string expected, string actual)
    {
        // Deep enough for any message the transcoder writes under its own depth limits.
        var options = new JsonDocumentOptions { MaxDepth = 1_000 };
        using var expectedDocument = JsonDocument.Parse(expected, options);
        using var actualDocument = JsonDocument.Parse(actual, options);
        Assert.True(JsonEquals(expectedDocument.RootElement, actualDocument.RootElement), $"expected {expected}\nactual   {actual}");
    }
}
