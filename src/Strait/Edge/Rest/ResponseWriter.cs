using System.Buffers;
using System.Text.Json;
using Strait.Gateway;
using Strait.Json;
using Strait.Routing;

namespace Strait.Edge.Rest;

/// <summary>Transcodes the reply: the whole message, or only the route's <c>response_body</c> field.</summary>
internal static class ResponseWriter
{
    public static void Write(GatewaySnapshot snapshot, HttpRoute route, ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        if (route.ResponseBody is { } field)
        {
            snapshot.Codec.BinaryToJson(message, field, writer, snapshot.WriteOptions);
        }
        else
        {
            snapshot.Codec.BinaryToJson(message, route.Method.OutputType, writer, snapshot.WriteOptions);
        }
    }
}
