using System.Runtime.CompilerServices;
using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>Resolves dotted field paths such as <c>task.due_date</c> against message descriptors.</summary>
internal static class FieldPathResolver
{
    // Weak keys: the name tables of an old schema snapshot go away with its descriptors.
    private static readonly ConditionalWeakTable<MessageDescriptor, MessageFieldNames> NameTables = new();

    /// <summary>
    /// Resolves <paramref name="path"/> part by part. Every part but the last must be a singular message field;
    /// what the last part may be is the caller's rule.
    /// </summary>
    public static FieldPathResolution Resolve(
        MessageDescriptor message, ReadOnlySpan<char> path, FieldNameMatching matching)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (path.IsEmpty)
        {
            return FieldPathResolution.Invalid("the field path is empty");
        }

        var fields = new FieldDescriptor[path.Count('.') + 1];
        var current = message;
        var rest = path;
        for (var i = 0; i < fields.Length; i++)
        {
            var dot = rest.IndexOf('.');
            var name = dot < 0 ? rest : rest[..dot];
            if (name.IsEmpty)
            {
                return FieldPathResolution.Invalid($"'{path}' has an empty field name");
            }

            var field = GetNames(current).Find(name, matching);
            if (field is null)
            {
                return FieldPathResolution.Unknown($"{current.FullName} has no field '{name}'");
            }

            fields[i] = field;
            if (dot < 0)
            {
                break;
            }

            if (field.FieldType != FieldType.Message || field.IsRepeated)
            {
                return FieldPathResolution.Invalid(
                    $"'{path}' goes through '{field.Name}', which is not a singular message field");
            }

            current = field.MessageType;
            rest = rest[(dot + 1)..];
        }

        return FieldPathResolution.Resolved(fields);
    }

    private static MessageFieldNames GetNames(MessageDescriptor message) =>
        NameTables.GetValue(message, static m => new MessageFieldNames(m));

    /// <summary>Lookup tables for one message, so that resolving a span allocates nothing.</summary>
    private sealed class MessageFieldNames
    {
        private readonly Dictionary<string, FieldDescriptor>.AlternateLookup<ReadOnlySpan<char>> byProtoName;
        private readonly Dictionary<string, FieldDescriptor>.AlternateLookup<ReadOnlySpan<char>> byJsonName;

        public MessageFieldNames(MessageDescriptor message)
        {
            var byProtoName = new Dictionary<string, FieldDescriptor>(StringComparer.Ordinal);
            var byJsonName = new Dictionary<string, FieldDescriptor>(StringComparer.Ordinal);
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                byProtoName[field.Name] = field;
                byJsonName.TryAdd(field.JsonName, field);
            }

            this.byProtoName = byProtoName.GetAlternateLookup<ReadOnlySpan<char>>();
            this.byJsonName = byJsonName.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public FieldDescriptor? Find(ReadOnlySpan<char> name, FieldNameMatching matching)
        {
            if (byProtoName.TryGetValue(name, out var field))
            {
                return field;
            }

            return matching == FieldNameMatching.ProtoOrJsonName && byJsonName.TryGetValue(name, out field)
                ? field
                : null;
        }
    }
}
