namespace Strait.Json;

/// <summary>
/// Slow paths that keep JSON→binary output canonical when the JSON itself is not: a duplicated key
/// (last one wins, so the earlier encodings are removed) and keys out of field-number order.
/// Both operate on the already-encoded fields of one message, <c>[start, Position)</c>.
/// </summary>
internal static class CanonicalOrder
{
    /// <summary>
    /// Drops each record whose field has a later value: one that starts before that field's entry in
    /// <paramref name="supersededBefore"/> (absolute positions, indexed by <see cref="FieldPlan.Index"/>).
    /// </summary>
    public static void RemoveSuperseded(ref ProtoBuffer buffer, int start, MessagePlan plan, ReadOnlySpan<int> supersededBefore)
    {
        var records = new WrittenRecords(buffer.WrittenFrom(start));
        while (records.MoveNext(out var number))
        {
            if (start + records.Start >= supersededBefore[plan.FindByNumber(number)!.Index])
            {
                records.Keep();
            }
        }

        buffer.Truncate(start + records.Kept);
    }

    public static void SortByFieldNumber(ref ProtoBuffer buffer, int start)
    {
        var data = buffer.WrittenFrom(start);
        var records = new List<Record>();
        var walk = new WrittenRecords(data);
        while (walk.MoveNext(out var number))
        {
            records.Add(new Record(number, walk.Start, walk.Length));
        }

        // Records compare by (number, start), so the unstable sort keeps repeated elements in order.
        records.Sort();
        var original = data.ToArray();
        var written = 0;
        foreach (var record in records)
        {
            original.AsSpan(record.Start, record.Length).CopyTo(data[written..]);
            written += record.Length;
        }
    }

    private readonly record struct Record(int Number, int Start, int Length) : IComparable<Record>
    {
        public int CompareTo(Record other) => Number != other.Number ? Number.CompareTo(other.Number) : Start.CompareTo(other.Start);
    }
}
