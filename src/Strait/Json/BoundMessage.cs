namespace Strait.Json;

/// <summary>The fields bound in one message of a request, in field-number order.</summary>
internal sealed class BoundMessage(MessagePlan plan)
{
    private BoundField[] fields = new BoundField[2];

    public MessagePlan Plan { get; } = plan;

    public int Count { get; private set; }

    /// <summary>
    /// The encoded fields of a text value for the whole message (a well-known type such as a timestamp): the body's
    /// value is then dropped rather than merged. Null when only fields inside the message are bound.
    /// </summary>
    public byte[]? Replacement { get; private set; }

    /// <summary>Whether the body's value for this message is replaced rather than merged.</summary>
    public bool ReplacesBody => Replacement is not null;

    public BoundField this[int position] => fields[position];

    /// <summary>The bound field with plan index <paramref name="fieldIndex"/>, or null.</summary>
    public BoundField? Find(int fieldIndex)
    {
        var position = IndexOf(fieldIndex);
        return position < 0 ? null : fields[position];
    }

    /// <summary>Where the field with plan index <paramref name="fieldIndex"/> is in this list, or -1. Messages bind few fields; a scan is cheapest.</summary>
    public int IndexOf(int fieldIndex)
    {
        for (var i = 0; i < Count; i++)
        {
            var index = fields[i].Field.Index;
            if (index == fieldIndex)
            {
                return i;
            }

            if (index > fieldIndex)
            {
                break;
            }
        }

        return -1;
    }

    /// <summary>Whether a member of <paramref name="field"/>'s oneof other than <paramref name="field"/> is bound, which clears the body's member.</summary>
    public bool BindsOtherOneofMember(FieldPlan field)
    {
        if (field.OneofIndex < 0)
        {
            return false;
        }

        for (var i = 0; i < Count; i++)
        {
            var bound = fields[i].Field;
            if (bound.OneofIndex == field.OneofIndex && bound.Index != field.Index)
            {
                return true;
            }
        }

        return false;
    }

    public void Replace(byte[] payload)
    {
        Count = 0;
        Replacement = payload;
    }

    /// <summary>The entry for <paramref name="field"/>, created as <paramref name="create"/> makes it when absent. Binding one member of a oneof unbinds the others.</summary>
    public BoundField GetOrAdd(FieldPlan field, Func<FieldPlan, BoundField> create)
    {
        if (Find(field.Index) is { } existing)
        {
            return existing;
        }

        if (field.OneofIndex >= 0)
        {
            RemoveOneofMembers(field.OneofIndex);
        }

        var created = create(field);
        if (Count == fields.Length)
        {
            Array.Resize(ref fields, Count * 2);
        }

        var position = Count;
        while (position > 0 && fields[position - 1].Field.Index > field.Index)
        {
            fields[position] = fields[position - 1];
            position--;
        }

        fields[position] = created;
        Count++;
        return created;
    }

    private void RemoveOneofMembers(int oneofIndex)
    {
        var kept = 0;
        for (var i = 0; i < Count; i++)
        {
            if (fields[i].Field.OneofIndex != oneofIndex)
            {
                fields[kept++] = fields[i];
            }
        }

        Array.Clear(fields, kept, Count - kept);
        Count = kept;
    }
}
