namespace Strait.Json;

/// <summary>
/// Walks the records (tag and value) of a message this codec has encoded, and compacts them in place: each record the
/// caller keeps moves down over the ones it dropped. The bytes are the codec's own, so no depth or length is checked.
/// </summary>
internal ref struct WrittenRecords
{
    private readonly Span<byte> data;
    private int position;

    public WrittenRecords(Span<byte> data) => this.data = data;

    /// <summary>Where the current record starts in the span.</summary>
    public int Start { get; private set; }

    /// <summary>The current record's length: tag and value.</summary>
    public readonly int Length => position - Start;

    /// <summary>The length of the records kept so far, which now fill the start of the span.</summary>
    public int Kept { get; private set; }

    public bool MoveNext(out int fieldNumber)
    {
        if (position >= data.Length)
        {
            fieldNumber = 0;
            return false;
        }

        Start = position;
        WireReader.ReadTag(data, ref position, out fieldNumber, out var wireType);
        WireReader.SkipValue(data, ref position, data.Length, fieldNumber, wireType, int.MaxValue, out _, out _);
        return true;
    }

    /// <summary>Keeps the current record, after the ones kept before it.</summary>
    public void Keep()
    {
        data[Start..position].CopyTo(data[Kept..]);
        Kept += Length;
    }
}
