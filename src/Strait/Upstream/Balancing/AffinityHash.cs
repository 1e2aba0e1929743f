using System.Text;

namespace Strait.Upstream.Balancing;

/// <summary>
/// A stable 64-bit hash of affinity keys and ring points: FNV-1a over the UTF-8 bytes, finished with SplitMix64's
/// mixer so that similar keys ("user-1", "user-2") land far apart on the ring. Stable across processes and
/// versions (unlike string.GetHashCode), so every Strait replica sends a key to the same endpoint.
/// </summary>
internal static class AffinityHash
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Of(string key)
    {
        Span<byte> stackBuffer = stackalloc byte[256];
        var byteCount = Encoding.UTF8.GetMaxByteCount(key.Length) <= stackBuffer.Length ? -1 : Encoding.UTF8.GetByteCount(key);
        var bytes = byteCount < 0 ? stackBuffer : new byte[byteCount];
        var written = Encoding.UTF8.GetBytes(key, bytes);
        return Of(bytes[..written]);
    }

    public static ulong Of(ReadOnlySpan<byte> key)
    {
        var hash = OffsetBasis;
        foreach (var b in key)
        {
            hash = (hash ^ b) * Prime;
        }

        hash ^= hash >> 30;
        hash *= 0xBF58476D1CE4E5B9;
        hash ^= hash >> 27;
        hash *= 0x94D049BB133111EB;
        return hash ^ (hash >> 31);
    }
}
