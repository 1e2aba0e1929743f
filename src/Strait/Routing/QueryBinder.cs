using System.Collections.Frozen;
using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>
/// Binds query parameters to fields of the request message, for the fields that neither the path nor the body
/// carries (http.proto: "any fields in the request message which are not bound by the path template automatically
/// become HTTP query parameters").
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Keys and values are percent-decoded and <c>+</c> means a space (HTML form encoding, what browsers and
/// most HTTP clients send); a literal plus must be sent as <c>%2B</c>. Decoded text must be UTF-8.</item>
/// <item>A key is a dotted field path of proto or JSON names through singular message fields. It must end on a
/// scalar, an enum, or a well-known type with a string form (Timestamp, Duration, FieldMask, the wrappers).</item>
/// <item>A repeated field takes one value per occurrence of its key; any other field takes one value.</item>
/// <item>A map entry is written <c>map_field[key]=value</c>.</item>
/// <item>A parameter without <c>=</c> has an empty value; an empty key is skipped.</item>
/// </list>
/// </remarks>
internal static class QueryBinder
{
    private static readonly FrozenSet<string> TypesWithStringForm = new[]
    {
        "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask",
        "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
        "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
        "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <param name="route">The matched route.</param>
    /// <param name="rawQueryString">The query as sent, with or without the leading <c>?</c>; null when absent.</param>
    /// <param name="options">Defaults to <see cref="QueryBindingOptions.Default"/>.</param>
    public static QueryBindingResult Bind(HttpRoute route, string? rawQueryString, QueryBindingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        options ??= QueryBindingOptions.Default;
        var query = rawQueryString.AsSpan();
        if (query.StartsWith('?'))
        {
            query = query[1..];
        }

        List<FieldBinding>? bindings = null;
        var assigned = new AssignedFields();
        foreach (var range in query.Split('&'))
        {
            var parameter = query[range];
            var equals = parameter.IndexOf('=');
            var rawName = equals < 0 ? parameter : parameter[..equals];
            var rawValue = equals < 0 ? [] : parameter[(equals + 1)..];

            if (!TryDecodeName(rawName, out var name, out var error))
            {
                return QueryBindingResult.Failed(error);
            }

            if (name.IsEmpty || options.IsIgnored(name))
            {
                continue;
            }

            var outcome = Resolve(route, name, options, ref assigned, out var fieldPath, out var mapKey, out error);
            if (outcome == Outcome.Skip)
            {
                continue;
            }

            if (outcome == Outcome.Fail)
            {
                return QueryBindingResult.Failed(error!);
            }

            var status = PercentEncoding.TryDecode(rawValue, PercentDecodeMode.Form, out var value);
            if (status != PercentDecodeStatus.Decoded)
            {
                return QueryBindingResult.Failed($"query parameter '{name}' has {Describe(status)} in its value");
            }

            (bindings ??= []).Add(new FieldBinding(fieldPath!, value, mapKey));
        }

        return QueryBindingResult.Bound(bindings);
    }

    private enum Outcome
    {
        Bind,
        Skip,
        Fail,
    }

    private static Outcome Resolve(
        HttpRoute route,
        ReadOnlySpan<char> name,
        QueryBindingOptions options,
        ref AssignedFields assigned,
        out IReadOnlyList<FieldDescriptor>? fieldPath,
        out string? mapKey,
        out string? error)
    {
        fieldPath = null;
        mapKey = null;
        error = null;
        if (route.Body is { IsWholeMessage: true })
        {
            if (options.IgnoreUnknown)
            {
                return Outcome.Skip;
            }

            error = $"query parameter '{name}' is not allowed: the request body is the whole message";
            return Outcome.Fail;
        }

        var path = name;
        var open = name.IndexOf('[');
        if (open >= 0)
        {
            if (open == 0 || name[^1] != ']' || name[(open + 1)..^1].IndexOfAny('[', ']') >= 0)
            {
                error = $"query parameter '{name}' is malformed: a map entry is written 'field[key]'";
                return Outcome.Fail;
            }

            path = name[..open];
            mapKey = new string(name[(open + 1)..^1]);
        }

        var resolution = FieldPathResolver.Resolve(route.Method.InputType, path, FieldNameMatching.ProtoOrJsonName);
        if (!resolution.Succeeded)
        {
            if (resolution.IsUnknownField && options.IgnoreUnknown)
            {
                return Outcome.Skip;
            }

            error = resolution.IsUnknownField
                ? $"unknown query parameter '{name}'"
                : $"query parameter '{name}': {resolution.Error}";
            return Outcome.Fail;
        }


        fieldPath = resolution.Fields;
        error = CheckLeaf(name, fieldPath[^1], mapKey)
            ?? CheckNotCarriedElsewhere(route, name, fieldPath)
            ?? assigned.Assign(name, fieldPath, mapKey);
        return error is null ? Outcome.Bind : Outcome.Fail;
    }

    private static string? CheckLeaf(ReadOnlySpan<char> name, FieldDescriptor leaf, string? mapKey)
    {
        if (leaf.IsMap)
        {
            if (mapKey is null)
            {
                return $"query parameter '{name}' is a map field; set entries with '{name}[key]=value'";
            }

            var valueField = leaf.MessageType.FindFieldByNumber(2);
            return HasTextForm(valueField)
                ? null
                : $"query parameter '{name}' is a map of messages ({valueField.MessageType.FullName}), which a query string cannot set";
        }

        if (mapKey is not null)
        {
            return $"query parameter '{name}' uses '[key]', but '{leaf.Name}' is not a map field";
        }

        return HasTextForm(leaf)
            ? null
            : $"query parameter '{name}' is a message field ({leaf.MessageType.FullName}); set its fields with dotted names";
    }

    private static string? CheckNotCarriedElsewhere(
        HttpRoute route, ReadOnlySpan<char> name, IReadOnlyList<FieldDescriptor> fieldPath)
    {
        foreach (var variablePath in route.VariableFieldPaths)
        {
            if (StartsWith(fieldPath, variablePath) || StartsWith(variablePath, fieldPath))
            {
                return $"query parameter '{name}' sets a field that the path binds";
            }
        }

        if (route.Body?.Field is { } bodyField && fieldPath[0] == bodyField)
        {
            return $"query parameter '{name}' sets a field inside the body field '{bodyField.Name}'";
        }

        return null;
    }

    /// <summary>Whether a query parameter can set the field: a scalar, an enum, or a well-known type written as text.</summary>
    internal static bool HasTextForm(FieldDescriptor field) =>
        field.FieldType is not (FieldType.Message or FieldType.Group)
        || TypesWithStringForm.Contains(field.MessageType.FullName);

    private static bool StartsWith(IReadOnlyList<FieldDescriptor> path, IReadOnlyList<FieldDescriptor> prefix)
    {
        if (prefix.Count > path.Count)
        {
            return false;
        }

        for (var i = 0; i < prefix.Count; i++)
        {
            if (path[i] != prefix[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryDecodeName(ReadOnlySpan<char> raw, out ReadOnlySpan<char> name, out string error)
    {
        error = string.Empty;
        if (raw.IndexOfAny('%', '+') < 0)
        {
            name = raw;
            return true;
        }

        var status = PercentEncoding.TryDecode(raw, PercentDecodeMode.Form, out var decoded);
        name = decoded;
        if (status == PercentDecodeStatus.Decoded)
        {
            return true;
        }

        error = $"query parameter '{raw}' has {Describe(status)} in its name";
        return false;
    }

    private static string Describe(PercentDecodeStatus status) =>
        status == PercentDecodeStatus.MalformedEscape ? "a malformed percent-escape" : "bytes that are not UTF-8";

    /// <summary>
    /// Remembers what earlier parameters set, to reject a second value for a singular field or map key and two
    /// members of one oneof. The sets are made on first use, so a query with one parameter allocates none.
    /// </summary>
    private struct AssignedFields
    {
        private HashSet<FieldPathKey>? singular;
        private HashSet<(FieldPathKey Map, string Key)>? mapEntries;
        private Dictionary<(FieldPathKey Parent, OneofDescriptor Oneof), FieldDescriptor>? oneofMembers;

        public string? Assign(ReadOnlySpan<char> name, IReadOnlyList<FieldDescriptor> fieldPath, string? mapKey)
        {
            var leaf = fieldPath[^1];
            var key = new FieldPathKey(fieldPath, fieldPath.Count);
            if (mapKey is not null)
            {
                if (!(mapEntries ??= []).Add((key, mapKey)))
                {
                    return $"query parameter '{name}' sets map key '{mapKey}' twice";
                }
            }
            else if (!leaf.IsRepeated && !(singular ??= []).Add(key))
            {
                return $"query parameter '{name}' is given twice, but '{leaf.Name}' is not a repeated field";
            }

            // A oneof belongs to one message instance, identified by the path leading to it.
            for (var i = 0; i < fieldPath.Count; i++)
            {
                var field = fieldPath[i];
                if (field.RealContainingOneof is not { } oneof)
                {
                    continue;
                }

                var members = oneofMembers ??= [];
                var slot = (new FieldPathKey(fieldPath, i), oneof);
                if (members.TryGetValue(slot, out var earlier) && earlier != field)
                {
                    return $"query parameter '{name}' sets '{field.Name}', but '{earlier.Name}' of the same oneof "
                        + $"'{oneof.Name}' is already set";
                }

                members[slot] = field;
            }

            return null;
        }
    }

    /// <summary>The first <c>length</c> fields of a path, compared by descriptor identity.</summary>
    private readonly struct FieldPathKey : IEquatable<FieldPathKey>
    {
        private readonly IReadOnlyList<FieldDescriptor> fields;
        private readonly int length;

        public FieldPathKey(IReadOnlyList<FieldDescriptor> fields, int length)
        {
            this.fields = fields;
            this.length = length;
        }

        public bool Equals(FieldPathKey other)
        {
            if (length != other.length)
            {
                return false;
            }

            for (var i = 0; i < length; i++)
            {
                if (fields[i] != other.fields[i])
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is FieldPathKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            for (var i = 0; i < length; i++)
            {
                hash.Add(fields[i]);
            }

            return hash.ToHashCode();
        }
    }
}
