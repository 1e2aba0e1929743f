using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Strait.Hosting;
using Strait.Json;
using Strait.Routing;

namespace Strait.Edge.Rest;

/// <summary>Transcodes the reply: the whole message, or only the route's <c>response_body</c> field.</summary>
internal static class ResponseWriter
{
    public static void Write(GatewaySnapshot snapshot, HttpRoute route, ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        var field = route.ResponseBody;
        if (field is null)
        {
            snapshot.Codec.BinaryToJson(message, route.Method.OutputType, writer, snapshot.WriteOptions);
        }
        else if (field.FieldType == FieldType.Message && !field.IsRepeated)
        {
            // Every occurrence of an embedded message field merges; concatenating their payloads is that merge.
            snapshot.Codec.BinaryToJson(CollectField(message, field.FieldNumber), field.MessageType, writer, snapshot.WriteOptions);
        }
        else
        {
            WriteFieldValue(snapshot, route, field, message, writer);
        }
    }

    private static byte[] CollectField(ReadOnlySpan<byte> message, int fieldNumber)
    {
        var input = new CodedInputStream(message.ToArray());
        var merged = new ArrayBufferWriter<byte>();
        try
        {
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == fieldNumber && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    merged.Write(input.ReadBytes().Span);
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProtobufFormatException("malformed response message: " + e.Message, e);
        }

        return merged.WrittenSpan.ToArray();
    }

    // Scalars, lists and maps have no message of their own to transcode: render the whole reply with defaults
    // and copy that one member's value.
    private static void WriteFieldValue(GatewaySnapshot snapshot, HttpRoute route, FieldDescriptor field, ReadOnlySpan<byte> message, Utf8JsonWriter writer)
    {
        var whole = new ArrayBufferWriter<byte>();
        using (var scratch = new Utf8JsonWriter(whole, JsonWriting.Options))
        {
            snapshot.Codec.BinaryToJson(message, route.Method.OutputType, scratch, snapshot.WriteOptions with { EmitUnpopulated = true });
        }

        var name = snapshot.WriteOptions.UseProtoFieldNames ? field.Name : field.JsonName;
        var reader = new Utf8JsonReader(whole.WrittenSpan);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var matches = reader.ValueTextEquals(name);
            reader.Read();
            if (matches)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var end = (int)reader.BytesConsumed;
                writer.WriteRawValue(whole.WrittenSpan[start..end], skipInputValidation: true);
                return;
            }

            reader.Skip();
        }

        writer.WriteNullValue();
    }
}
