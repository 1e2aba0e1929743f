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
        var data = buffer.WrittenFrom(start);
        var position = 0;
        var kept = 0;
        while (position < data.Length)
        {
            var recordStart = position;
            WireReader.ReadTag(data, ref position, out var number, out var wireType);
            WireReader.SkipValue(data, ref position, data.Length, number, wireType, int.MaxValue, out _, out _);

            if (start + recordStart >= supersededBefore[plan.FindByNumber(number)!.Index])
            {
                data[recordStart..position].CopyTo(data[kept..]);
                kept += position - recordStart;
            }
        }

        buffer.Truncate(start + kept);
    }

    public static void SortByFieldNumber(ref ProtoBuffer buffer, int start)
    {
        var data = buffer.WrittenFrom(start);
        var records = new List<Record>();
        var position = 0;
        while (position < data.Length)
        {
            var recordStart = position;
            WireReader.ReadTag(data, ref position, out var number, out var wireType);
            WireReader.SkipValue(data, ref position, data.Length, number, wireType, int.MaxValue, out _, out _);

            records.Add(new Record(number, recordStart, position - recordStart));
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
