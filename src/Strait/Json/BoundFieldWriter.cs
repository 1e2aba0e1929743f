namespace Strait.Json;

/// <summary>Writes bound fields where the body has nothing to merge them with, and merges them into well-known types.</summary>
internal static class BoundFieldWriter
{
    /// <summary>Writes <paramref name="field"/> as its bound values alone.</summary>
    public static void Write(ref ProtoBuffer output, BoundField field)
    {
        switch (field.Kind)
        {
            case BoundFieldKind.Scalar:
                output.WriteBytes(field.Record);
                break;
            case BoundFieldKind.Repeated when field.Field.IsPacked:
                output.WriteLengthDelimited(field.Field.PackedTag, field.Elements);
                break;
            case BoundFieldKind.Repeated:
                output.WriteBytes(field.Elements);
                break;
            case BoundFieldKind.Map:
                foreach (var entry in field.MapEntries)
                {
                    output.WriteBytes(entry.EntryRecord);
                }

                break;
            default:
                output.WriteVarint(field.Field.Tag);
                var start = output.BeginLengthDelimited();
                WritePayload(ref output, field.Message!);
                output.EndLengthDelimited(start);
                break;
        }
    }

    /// <summary>Writes the fields of <paramref name="message"/>: its replacement value, if any, with the fields bound after it.</summary>
    public static void WritePayload(ref ProtoBuffer output, BoundMessage message)
    {
        if (message.Replacement is { } replacement)
        {
            var start = output.Position;
            output.WriteBytes(replacement);
            if (message.Count > 0)
            {
                MergeIntoWritten(ref output, start, message);
            }

            return;
        }

        for (var i = 0; i < message.Count; i++)
        {
            Write(ref output, message[i]);
        }
    }

    /// <summary>
    /// Merges <paramref name="message"/>'s bound fields into the encoded message at <c>[start, Position)</c>: records
    /// they override are dropped, the bound values appended, and the result put back in field-number order. Only
    /// well-known types take this path (their JSON forms are not written member by member), and only their plain
    /// fields can be bound (<see cref="MessageBindings.Add"/>), so scalars and repeated strings are all it meets.
    /// </summary>
    public static void MergeIntoWritten(ref ProtoBuffer output, int start, BoundMessage message)
    {
        var plan = message.Plan;
        var records = new WrittenRecords(output.WrittenFrom(start));
        while (records.MoveNext(out var number))
        {
            var field = plan.FindByNumber(number);
            var overridden = field is not null
                && (message.Find(field.Index) is { Kind: not BoundFieldKind.Repeated } || message.BindsOtherOneofMember(field));
            if (!overridden)
            {
                records.Keep();
            }
        }

        output.Truncate(start + records.Kept);
        for (var i = 0; i < message.Count; i++)
        {
            Write(ref output, message[i]);
        }

        CanonicalOrder.SortByFieldNumber(ref output, start);
    }
}
