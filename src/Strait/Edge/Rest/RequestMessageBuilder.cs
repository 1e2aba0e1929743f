using System.Buffers;
using System.Text;
using Google.Protobuf.Reflection;
using Strait.Errors;
using Strait.Gateway;
using Strait.Json;
using Strait.Routing;

namespace Strait.Edge.Rest;

/// <summary>
/// Assembles the binary request message from the JSON body and the path and query values, as one canonical message:
/// the values are gathered first and merged into the body while it is transcoded (ADR 0003).
/// </summary>
internal static class RequestMessageBuilder
{
    /// <summary>
    /// Gathers the query values, then the path variables, so that the path wins over the query and both over the body.
    /// Returns the problem for the first value that does not convert; <paramref name="bindings"/> is null when there are none.
    /// </summary>
    public static Problem? Bind(
        ProtoJsonCodec codec, HttpRoute route, IReadOnlyList<FieldBinding> query, IReadOnlyList<FieldBinding> path, out MessageBindings? bindings)
    {
        bindings = null;
        if (query.Count == 0 && path.Count == 0)
        {
            return null;
        }

        bindings = codec.CreateBindings(route.Method.InputType);
        return Add(bindings, query, "query parameter") ?? Add(bindings, path, "path variable");
    }

    /// <summary>
    /// Appends the request message: <paramref name="body"/> transcoded as the whole message or as the route's body field,
    /// with <paramref name="bindings"/> merged in.
    /// </summary>
    /// <exception cref="ProtoJsonException">The body is not valid JSON for the message or field.</exception>
    public static void Write(GatewaySnapshot snapshot, HttpRoute route, ReadOnlySpan<byte> body, MessageBindings? bindings, IBufferWriter<byte> output)
    {
        if (route.Body!.Field is { } field)
        {
            snapshot.Codec.JsonToBinary(body, field, bindings, output, snapshot.ReadOptions);
        }
        else
        {
            snapshot.Codec.JsonToBinary(body, route.Method.InputType, bindings, output, snapshot.ReadOptions);
        }
    }

    /// <summary>Appends the message the path and query values alone make (none: the empty message).</summary>
    public static void WriteBindings(MessageBindings? bindings, IBufferWriter<byte> output)
    {
        if (bindings is not null)
        {
            ProtoJsonCodec.WriteBindings(bindings, output);
        }
    }

    private static Problem? Add(MessageBindings bindings, IReadOnlyList<FieldBinding> values, string kind)
    {
        foreach (var binding in values)
        {
            try
            {
                bindings.Add(binding.FieldPath, binding.Value, binding.MapKey);
            }
            catch (ProtoJsonException e)
            {
                var field = DottedPath(binding.FieldPath) + (binding.MapKey is null ? string.Empty : $"[{binding.MapKey}]");
                return Problems.InvalidRequest($"The {kind} '{field}' is invalid: {e.Message}", field, e.Message);
            }
        }

        return null;
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
