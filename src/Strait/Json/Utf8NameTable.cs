using System.Text;

namespace Strait.Json;

/// <summary>
/// Immutable hash table keyed by UTF-8 names, looked up straight from JSON token bytes so that
/// matching a property or enum name never allocates a string.
/// </summary>
internal sealed class Utf8NameTable<TValue>
{
    private readonly byte[][] keys;
    private readonly TValue[] values;
    private readonly int[] buckets;
    private readonly int[] next;
    private readonly int mask;

    public Utf8NameTable(IReadOnlyList<KeyValuePair<string, TValue>> entries)
    {
        var size = 1;
        while (size < entries.Count * 2)
        {
            size <<= 1;
        }

        mask = size - 1;
        buckets = new int[size];
        Array.Fill(buckets, -1);
        keys = new byte[entries.Count][];
        values = new TValue[entries.Count];
        next = new int[entries.Count];
        var count = 0;
        foreach (var (name, value) in entries)
        {
            var key = Encoding.UTF8.GetBytes(name);
            if (TryGetValue(key, out _))
            {
                continue;
            }

            var bucket = (int)Hash(key) & mask;
            keys[count] = key;
            values[count] = value;
            next[count] = buckets[bucket];
            buckets[bucket] = count;
            count++;
        }
    }

    public bool TryGetValue(ReadOnlySpan<byte> name, out TValue value)
    {
        for (var i = buckets[(int)Hash(name) & mask]; i >= 0; i = next[i])
        {
            if (name.SequenceEqual(keys[i]))
            {
                value = values[i];
                return true;
            }
        }

        value = default!;
        return false;
    }

    // FNV-1a: names are short, so a simple byte loop beats the setup cost of vectorised hashes.
    private static uint Hash(ReadOnlySpan<byte> name)
    {
        var hash = 2166136261u;
        foreach (var b in name)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash ^ (hash >> 15);
    }
}
