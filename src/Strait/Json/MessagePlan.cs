using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>Field lookup tables for one message type, computed once per schema.</summary>
internal sealed class MessagePlan
{
    // Field numbers up to this bound are looked up in a flat array; sparser schemas use a dictionary.
    private const int MaxDenseFieldNumber = 1024;

    private readonly FieldPlan?[]? denseByNumber;
    private readonly Dictionary<int, FieldPlan>? sparseByNumber;
    private readonly Utf8NameTable<FieldName> byName;

    public MessagePlan(PlanCache cache, MessageDescriptor descriptor)
    {
        Descriptor = descriptor;
        FullName = descriptor.FullName;
        Kind = WellKnownTypes.Classify(FullName);

        var oneofIndexes = new Dictionary<OneofDescriptor, int>();
        foreach (var oneof in descriptor.Oneofs)
        {
            if (!oneof.IsSynthetic)
            {
                oneofIndexes.Add(oneof, oneofIndexes.Count);
            }
        }

        OneofNames = new string[oneofIndexes.Count];
        foreach (var (oneof, index) in oneofIndexes)
        {
            OneofNames[index] = oneof.Name;
        }

        var ordered = descriptor.Fields.InFieldNumberOrder();
        Fields = new FieldPlan[ordered.Count];
        var names = new List<KeyValuePair<string, FieldName>>(ordered.Count * 2);
        var maxNumber = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var field = ordered[i];
            var oneof = field.RealContainingOneof;
            var plan = new FieldPlan(cache, field, i, oneof is null ? -1 : oneofIndexes[oneof]);
            Fields[i] = plan;
            maxNumber = Math.Max(maxNumber, plan.Number);
            names.Add(new(field.JsonName, new FieldName(plan, UsedProtoName: false)));
            names.Add(new(field.Name, new FieldName(plan, UsedProtoName: true)));
        }

        byName = new Utf8NameTable<FieldName>(names);
        if (maxNumber <= MaxDenseFieldNumber)
        {
            denseByNumber = new FieldPlan?[maxNumber + 1];
            foreach (var field in Fields)
            {
                denseByNumber[field.Number] = field;
            }
        }
        else
        {
            sparseByNumber = Fields.ToDictionary(f => f.Number);
        }
    }

    public MessageDescriptor Descriptor { get; }

    public string FullName { get; }

    public WellKnownType Kind { get; }

    /// <summary>Fields ordered by field number.</summary>
    public FieldPlan[] Fields { get; }

    /// <summary>Names of the real oneofs, indexed by <see cref="FieldPlan.OneofIndex"/>.</summary>
    public string[] OneofNames { get; }

    /// <summary>Types whose Any form nests the special JSON under <c>"value"</c>.</summary>
    public bool HasSpecialJson => Kind != WellKnownType.None;

    public FieldPlan? FindByNumber(int number)
    {
        if (denseByNumber is { } dense)
        {
            return (uint)number < (uint)dense.Length ? dense[number] : null;
        }

        return sparseByNumber!.GetValueOrDefault(number);
    }

    /// <summary>
    /// Finds a field by JSON name or proto name, trying the field at <paramref name="expected"/> first: JSON written by protobuf
    /// libraries (and most hand-written JSON) lists fields in field-number order, so one comparison usually
    /// replaces hashing the name. On a match <paramref name="expected"/> moves to the following field.
    /// </summary>
    public bool TryFindByName(ReadOnlySpan<byte> utf8Name, ref int expected, out FieldName field)
    {
        if ((uint)expected < (uint)Fields.Length)
        {
            var candidate = Fields[expected];
            if (utf8Name.SequenceEqual(candidate.JsonNameUtf8))
            {
                field = new FieldName(candidate, UsedProtoName: false);
                expected++;
                return true;
            }
        }

        if (byName.TryGetValue(utf8Name, out field))
        {
            expected = field.Field.Index + 1;
            return true;
        }

        return false;
    }
}

/// <summary>A field matched by name, remembering which spelling matched so error paths echo the input.</summary>
internal readonly record struct FieldName(FieldPlan Field, bool UsedProtoName)
{
    public string Text => UsedProtoName ? Field.ProtoNameText : Field.JsonNameText;
}
