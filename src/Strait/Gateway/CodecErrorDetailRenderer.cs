using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Errors;
using Strait.Json;

namespace Strait.Gateway;

/// <summary>Renders google.rpc.Status details as proto3 JSON with the schema's codec, so backend-specific detail types render too.</summary>
internal sealed class CodecErrorDetailRenderer(ProtoJsonCodec codec, JsonWriteOptions options) : IErrorDetailRenderer
{
    public bool TryWrite(Utf8JsonWriter writer, Any detail)
    {
        // Rendered aside first: a detail that fails half-way must not leave half an object in the body.
        var buffer = new ArrayBufferWriter<byte>();
        using (var scratch = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            try
            {
                codec.BinaryToJson(detail.ToByteArray(), Any.Descriptor, scratch, options);
            }
            catch (Exception e) when (e is ProtoJsonException or ProtobufFormatException)
            {
                return false;
            }
        }

        writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
        return true;
    }
}
