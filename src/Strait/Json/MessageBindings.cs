using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>
/// A request's path and query values, gathered into the shape of its message so that the transcoder merges them
/// into the body as it writes it: each field is encoded once, a nested message is written whole with its bound fields
/// inside, and the bytes are the canonical encoding of the message the client meant (ADR 0003).
/// </summary>
/// <remarks>
/// Values are added in rising precedence (query parameters, then path variables), and all of them win over the body:
/// a singular field takes the last value, a repeated field gets the values after the body's elements, a bound map key
/// replaces the body's entry in place (as a protobuf merge does), and binding a member of a oneof clears the others. A
/// text value for a whole well-known type (a timestamp, a duration, a field mask, a wrapper) replaces the body's value.
/// Values are converted when added, so a bad one is reported before any call is made.
/// </remarks>
internal sealed class MessageBindings
{
    private static readonly Func<FieldPlan, BoundField> NewScalar = BoundField.Scalar;
    private static readonly Func<FieldPlan, BoundField> NewRepeated = BoundField.Repeated;
    private static readonly Func<FieldPlan, BoundField> NewMap = BoundField.Map;
    private static readonly Func<FieldPlan, BoundField> NewMessage = BoundField.OfMessage;

    public MessageBindings(MessagePlan root) => Root = new BoundMessage(root);

    public BoundMessage Root { get; }

    public bool IsEmpty => Root.Count == 0 && !Root.ReplacesBody;

    /// <summary>Binds <paramref name="text"/> to the field at the end of <paramref name="path"/> (or, with <paramref name="mapKey"/>, to that key of the map there).</summary>
    /// <exception cref="ProtoJsonException">The text is not valid for the field; <see cref="ProtoJsonException.JsonPath"/> is the dotted field path.</exception>
    public void Add(IReadOnlyList<FieldDescriptor> path, string text, string? mapKey = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        if (path.Count == 0)
        {
            throw new ArgumentException("The field path is empty.", nameof(path));
        }

        if (path[0].ContainingType != Root.Plan.Descriptor)
        {
            throw new ArgumentException($"'{path[0].FullName}' is not a field of {Root.Plan.FullName}.", nameof(path));
        }

        for (var i = 1; i < path.Count; i++)
        {
            if (path[i - 1].FieldType != FieldType.Message || path[i].ContainingType != path[i - 1].MessageType)
            {
                throw new ArgumentException($"'{path[i].FullName}' is not a field of the message type of '{path[i - 1].FullName}'.", nameof(path));
            }
        }

        try
        {
            var message = Root;
            for (var i = 0; i < path.Count - 1; i++)
            {
                if (path[i].IsRepeated)
                {
                    throw new ProtoJsonException($"cannot bind a value through repeated field '{path[i].Name}'");
                }

                var through = message.Plan.FindByNumber(path[i].FieldNumber)!;
                if (!CanBindInside(through.Message.Kind))
                {
                    throw new ProtoJsonException($"cannot bind a value inside a {through.Message.FullName} field by field");
                }

                message = message.GetOrAdd(through, NewMessage).Message!;
            }

            var field = message.Plan.FindByNumber(path[^1].FieldNumber)!;
            if (mapKey is not null)
            {
                if (!field.IsMap)
                {
                    throw new ProtoJsonException($"'{field.ProtoNameText}' is not a map field");
                }

                var (keyRecord, entryRecord) = EncodeMapEntry(field, mapKey, text);
                message.GetOrAdd(field, NewMap).SetMapEntry(keyRecord, entryRecord);
            }
            else if (field.IsMap)
            {
                throw new ProtoJsonException("map fields cannot be bound from text");
            }
            else if (field.IsRepeated)
            {
                var record = Encode(field, text, skipDefault: false);
                message.GetOrAdd(field, NewRepeated).AddElement(field.IsPacked ? record.AsSpan(Varint.Size(field.Tag)) : record);
            }
            else if (field.Type == FieldType.Message)
            {
                var record = Encode(field, text, skipDefault: false);
                message.GetOrAdd(field, NewMessage).Message!.Replace(PayloadOf(record));
            }
            else
            {
                message.GetOrAdd(field, NewScalar).SetRecord(Encode(field, text, skipDefault: !field.HasPresence));
            }
        }
        catch (ProtoJsonException ex)
        {
            throw new ProtoJsonException(ex.Message, DottedPath(path));
        }
    }

    /// <summary>
    /// Timestamps, durations, field masks and wrappers hold plain fields that can take values one by one. An Any, a
    /// Struct, a Value or a ListValue is written whole from its JSON form; a value inside one has no sensible meaning.
    /// </summary>
    private static bool CanBindInside(WellKnownType kind) =>
        kind is WellKnownType.None or WellKnownType.Timestamp or WellKnownType.Duration or WellKnownType.FieldMask || kind.IsWrapper();

    private static (byte[] KeyRecord, byte[] EntryRecord) EncodeMapEntry(FieldPlan field, string key, string value)
    {
        // Defaults are left out of an entry, as in the entries the body's JSON becomes.
        var keyRecord = Encode(field.MapKey, key, skipDefault: true);
        var valueRecord = Encode(field.MapValue, value, skipDefault: field.MapValue.Type != FieldType.Message);
        var payloadLength = keyRecord.Length + valueRecord.Length;
        var entry = new byte[Varint.Size(field.Tag) + Varint.Size((ulong)payloadLength) + payloadLength];
        var written = Varint.Write(entry, field.Tag);
        written += Varint.Write(entry.AsSpan(written), (ulong)payloadLength);
        keyRecord.CopyTo(entry.AsSpan(written));
        valueRecord.CopyTo(entry.AsSpan(written + keyRecord.Length));
        return (keyRecord, entry);
    }

    private static byte[] Encode(FieldPlan field, string text, bool skipDefault)
    {
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        var output = new ProtoBuffer(32);
        try
        {
            if (Utf8.FromUtf16(text, utf8, out _, out var length, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                throw new ProtoJsonException("value is not valid Unicode text");
            }

            FieldTextBinder.WriteLeaf(field, utf8.AsSpan(0, length), skipDefault, ref output);
            return output.Written.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
            output.Dispose();
        }
    }

    /// <summary>The payload of a length-delimited record: what follows its tag and length.</summary>
    private static byte[] PayloadOf(byte[] record)
    {
        var position = 0;
        WireReader.ReadTag(record, ref position, out _, out _);
        var length = WireReader.ReadLength(record, ref position, record.Length);
        return record.AsSpan(position, length).ToArray();
    }

    private static string DottedPath(IReadOnlyList<FieldDescriptor> path)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < path.Count; i++)
        {
            builder.Append(i == 0 ? "" : ".").Append(path[i].Name);
        }

        return builder.ToString();
    }
}
