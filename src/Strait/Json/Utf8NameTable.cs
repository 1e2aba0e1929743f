using System.Text;

namespace Strait.Json;

/// <summary>
/// Immutable hash table keyed by UTF-8 names, looked up straight from JSON token bytes so that
/// matching a property or enum name never allocates a string.
/// </summary>
internal sealed class Utf8NameTable<TValue>
{
    private readonly byte[][] _keys;
    private readonly TValue[] _values;
    private readonly int[] _buckets;
    private readonly int[] _next;
    private readonly int _mask;

    public Utf8NameTable(IReadOnlyList<KeyValuePair<string, TValue>> entries)
    {
        var size = 1;
        while (size < entries.Count * 2)
        {
            size <<= 1;
        }

        _mask = size - 1;
        _buckets = new int[size];
        Array.Fill(_buckets, -1);
        _keys = new byte[entries.Count][];
        _values = new TValue[entries.Count];
        _next = new int[entries.Count];
        var count = 0;
        foreach (var (name, value) in entries)
        {
            var key = Encoding.UTF8.GetBytes(name);
            if (TryGetValue(key, out _))
            {
                continue;
            }

            var bucket = (int)Hash(key) & _mask;
            _keys[count] = key;
            _values[count] = value;
            _next[count] = _buckets[bucket];
            _buckets[bucket] = count;
            count++;
        }
    }

    public bool TryGetValue(ReadOnlySpan<byte> name, out TValue value)
    {
        for (var i = _buckets[(int)Hash(name) & _mask]; i >= 0; i = _next[i])
        {
            if (name.SequenceEqual(_keys[i]))
            {
                value = _values[i];
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
