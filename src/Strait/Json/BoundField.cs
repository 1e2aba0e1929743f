using System.Buffers;

namespace Strait.Json;

/// <summary>What a request's path and query values set in one field of one message, already encoded.</summary>
internal sealed class BoundField
{
    private readonly List<MapEntry>? mapEntries;
    private readonly ArrayBufferWriter<byte>? elements;

    private BoundField(FieldPlan field, BoundFieldKind kind, BoundMessage? message)
    {
        Field = field;
        Kind = kind;
        Message = message;
        if (kind == BoundFieldKind.Map)
        {
            mapEntries = [];
        }
        else if (kind == BoundFieldKind.Repeated)
        {
            elements = new ArrayBufferWriter<byte>(16);
        }
    }

    public FieldPlan Field { get; }

    public BoundFieldKind Kind { get; }

    /// <summary>For <see cref="BoundFieldKind.Scalar"/>: the field's record, or nothing when the value is a default that is not written.</summary>
    public byte[] Record { get; private set; } = [];

    /// <summary>For <see cref="BoundFieldKind.Repeated"/>: the values to append, as packed values when the field is packed, else as records.</summary>
    public ReadOnlySpan<byte> Elements => elements!.WrittenSpan;

    /// <summary>For <see cref="BoundFieldKind.Map"/>: the entries in the order their keys were first bound.</summary>
    public IReadOnlyList<MapEntry> MapEntries => mapEntries!;

    /// <summary>For <see cref="BoundFieldKind.Message"/>: the fields bound inside it.</summary>
    public BoundMessage? Message { get; }

    /// <summary>Whether this takes the place of the body's value for the field (a scalar, or a whole well-known type given as text) rather than merging with it.</summary>
    public bool ReplacesBodyValue => Kind == BoundFieldKind.Scalar || Message is { ReplacesBody: true };

    public static BoundField Scalar(FieldPlan field) => new(field, BoundFieldKind.Scalar, null);

    public static BoundField Repeated(FieldPlan field) => new(field, BoundFieldKind.Repeated, null);

    public static BoundField Map(FieldPlan field) => new(field, BoundFieldKind.Map, null);

    public static BoundField OfMessage(FieldPlan field) => new(field, BoundFieldKind.Message, new BoundMessage(field.Message));

    public void SetRecord(byte[] record) => Record = record;

    public void AddElement(ReadOnlySpan<byte> element) => elements!.Write(element);

    /// <summary>A key bound again keeps its first place with the later value, as a protobuf merge of maps does.</summary>
    public void SetMapEntry(byte[] keyRecord, byte[] entryRecord)
    {
        for (var i = 0; i < mapEntries!.Count; i++)
        {
            if (mapEntries[i].KeyRecord.AsSpan().SequenceEqual(keyRecord))
            {
                mapEntries[i] = new MapEntry(keyRecord, entryRecord);
                return;
            }
        }

        mapEntries.Add(new MapEntry(keyRecord, entryRecord));
    }

    /// <summary>The bound entry whose key record is <paramref name="keyRecord"/>, or -1.</summary>
    public int IndexOfKey(ReadOnlySpan<byte> keyRecord)
    {
        for (var i = 0; i < mapEntries!.Count; i++)
        {
            if (mapEntries[i].KeyRecord.AsSpan().SequenceEqual(keyRecord))
            {
                return i;
            }
        }

        return -1;
    }

    /// <param name="KeyRecord">The encoded key field (omitted when the key is its type's default, as in the body's entries).</param>
    /// <param name="EntryRecord">The whole map field record: tag, length, key and value.</param>
    internal readonly record struct MapEntry(byte[] KeyRecord, byte[] EntryRecord);
}

internal enum BoundFieldKind
{
    /// <summary>A singular non-message field: the last bound value replaces the body's.</summary>
    Scalar,

    /// <summary>A repeated field: bound values follow the body's elements.</summary>
    Repeated,

    /// <summary>A map: bound keys replace the body's entries for those keys; new keys follow.</summary>
    Map,

    /// <summary>A singular message field with fields bound inside it: merged into the body's message.</summary>
    Message,
}
