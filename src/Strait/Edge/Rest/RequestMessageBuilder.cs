using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf.Reflection;
using Strait.Errors;
using Strait.Hosting;
using Strait.Json;
using Strait.Routing;

namespace Strait.Edge.Rest;

/// <summary>Assembles the binary request message from the JSON body and the path and query bindings.</summary>
internal static class RequestMessageBuilder
{
    /// <summary>Transcodes the body into <paramref name="output"/>, as the whole message or as the route's body field.</summary>
    public static void AppendBody(GatewaySnapshot snapshot, HttpRoute route, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        if (route.Body!.Field is { } field)
        {
            snapshot.Codec.JsonToBinary(body, field, output, snapshot.ReadOptions);
        }
        else
        {
            snapshot.Codec.JsonToBinary(body, route.Method.InputType, output, snapshot.ReadOptions);
        }
    }

    /// <summary>Appends one protobuf fragment per binding; returns the problem for the first value that does not convert.</summary>
    public static Problem? AppendBindings(ProtoJsonCodec codec, IReadOnlyList<FieldBinding> bindings, IBufferWriter<byte> output, string kind)
    {
        foreach (var binding in bindings)
        {
            try
            {
                if (binding.MapKey is null)
                {
                    codec.WriteFieldFromText(binding.FieldPath, binding.Value, output);
                }
                else
                {
                    WriteMapEntry(codec, binding, output);
                }
            }
            catch (ProtoJsonException e)
            {
                var field = DottedPath(binding.FieldPath) + (binding.MapKey is null ? string.Empty : $"[{binding.MapKey}]");
                return Problems.InvalidRequest($"The {kind} '{field}' is invalid: {e.Message}", field, e.Message);
            }
        }

        return null;
    }

    private static void WriteMapEntry(ProtoJsonCodec codec, FieldBinding binding, IBufferWriter<byte> output)
    {
        var mapField = binding.FieldPath[^1];
        var entryType = mapField.MessageType;
        var entry = new ArrayBufferWriter<byte>();
        codec.WriteFieldFromText([entryType.FindFieldByNumber(1)], binding.MapKey!, entry);
        codec.WriteFieldFromText([entryType.FindFieldByNumber(2)], binding.Value, entry);

        // Wrap innermost first: the entry in the map field, then in each enclosing message field.
        var payload = entry;
        for (var i = binding.FieldPath.Count - 1; i >= 0; i--)
        {
            var wrapper = new ArrayBufferWriter<byte>(payload.WrittenCount + 6);
            ProtoJsonCodec.WriteLengthDelimitedField(binding.FieldPath[i].FieldNumber, payload.WrittenSpan, i == 0 ? output : wrapper);
            if (i == 0)
            {
                return;
            }

            payload = wrapper;
        }
    }

    private static string DottedPath(IReadOnlyList<FieldDescriptor> path)
    {
        var builder = new StringBuilder();
        foreach (var field in path)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(field.Name);
        }

        return builder.ToString();
    }
}
