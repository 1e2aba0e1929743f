using System.Collections;

namespace Strait.Wire;

/// <summary>
/// Ordered, multi-valued gRPC metadata (custom request headers, response headers or trailers).
/// </summary>
/// <remarks>
/// Keys are lower-cased and limited to <c>[0-9a-z._-]</c>. Keys ending in <c>-bin</c> carry bytes, sent as unpadded
/// base64 (both padded and unpadded are accepted when reading); other values must be printable ASCII.
/// Keys the protocol owns (<c>grpc-*</c>, <c>te</c>, <c>content-type</c>, <c>user-agent</c>, hop-by-hop headers) are
/// rejected by <c>Add</c> and skipped when metadata is read from the wire. Not thread-safe.
/// </remarks>
internal sealed class GrpcMetadata : IReadOnlyList<GrpcMetadataEntry>
{
    private const string BinarySuffix = "-bin";

    private static readonly HashSet<string> ReservedKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "te",
        "content-type",
        "content-length",
        "user-agent",
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
    };

    private readonly List<GrpcMetadataEntry> entries = [];

    public int Count => entries.Count;

    public GrpcMetadataEntry this[int index] => entries[index];

    /// <summary>Whether <paramref name="key"/> names a binary (<c>-bin</c>) entry.</summary>
    public static bool IsBinaryKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether <paramref name="key"/> is reserved for the protocol and can never be user metadata.</summary>
    public static bool IsReservedKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith(':')
            || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
            || ReservedKeys.Contains(key);
    }

    /// <summary>Whether <paramref name="key"/> is syntactically valid (any case; stored lower-cased).</summary>
    public static bool IsValidKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!IsKeyChar(char.ToLowerInvariant(c)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> can be sent as a text value (printable ASCII, 0x20-0x7E).</summary>
    public static bool IsValidTextValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return !value.AsSpan().ContainsAnyExceptInRange(' ', '~');
    }

    /// <summary>Adds a text entry.</summary>
    /// <exception cref="ArgumentException">The key is invalid, reserved or binary, or the value is not printable ASCII.</exception>
    public void Add(string key, string value)
    {
        var normalized = NormalizeUserKey(key);
        ArgumentNullException.ThrowIfNull(value);
        if (normalized.EndsWith(BinarySuffix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metadata key '{normalized}' ends in '-bin' and needs a byte[] value.", nameof(key));
        }

        if (!IsValidTextValue(value))
        {
            throw new ArgumentException($"The value of metadata key '{normalized}' is not printable ASCII.", nameof(value));
        }

        entries.Add(new GrpcMetadataEntry(normalized, value));
    }

    /// <summary>Adds a binary entry. The array is kept, not copied: do not modify it afterwards.</summary>
    /// <exception cref="ArgumentException">The key is invalid, reserved or does not end in <c>-bin</c>.</exception>
    public void Add(string key, byte[] value)
    {
        var normalized = NormalizeUserKey(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!normalized.EndsWith(BinarySuffix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metadata key '{normalized}' must end in '-bin' to hold bytes.", nameof(key));
        }

        entries.Add(new GrpcMetadataEntry(normalized, value));
    }

    /// <summary>Removes every entry of <paramref name="key"/>; returns how many there were.</summary>
    public int RemoveAll(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return entries.RemoveAll(entry => entry.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether any entry has <paramref name="key"/>.</summary>
    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var entry in entries)
        {
            if (entry.Key.Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Adds an entry whose key the caller has already validated (lower case, valid, not reserved) and whose text value
    /// is printable ASCII, skipping the checks <see cref="Add(string, string)"/> repeats on every call.
    /// </summary>
    internal void AddValidated(string normalizedKey, string value) => entries.Add(new GrpcMetadataEntry(normalizedKey, value));

    /// <inheritdoc cref="AddValidated(string, string)"/>
    internal void AddValidated(string normalizedKey, byte[] value) => entries.Add(new GrpcMetadataEntry(normalizedKey, value));

    /// <summary>The values of <paramref name="key"/> in order; for a binary key, their wire (base64) form.</summary>
    public IReadOnlyList<string> GetValues(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        List<string>? values = null;
        foreach (var entry in entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= []).Add(entry.Value);
            }
        }

        return values ?? (IReadOnlyList<string>)[];
    }

    /// <summary>The byte values of binary key <paramref name="key"/> in order.</summary>
    public IReadOnlyList<byte[]> GetBinaryValues(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        List<byte[]>? values = null;
        foreach (var entry in entries)
        {
            if (entry.IsBinary && string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= []).Add(entry.ValueBytes);
            }
        }

        return values ?? (IReadOnlyList<byte[]>)[];
    }

    /// <summary>The first text value of <paramref name="key"/>.</summary>
    public bool TryGetValue(string key, out string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var entry in entries)
        {
            if (!entry.IsBinary && string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                value = entry.Value;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    /// <summary>The first byte value of binary key <paramref name="key"/>.</summary>
    public bool TryGetBinaryValue(string key, out byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var entry in entries)
        {
            if (entry.IsBinary && string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                value = entry.ValueBytes;
                return true;
            }
        }

        value = [];
        return false;
    }

    public List<GrpcMetadataEntry>.Enumerator GetEnumerator() => entries.GetEnumerator();

    IEnumerator<GrpcMetadataEntry> IEnumerable<GrpcMetadataEntry>.GetEnumerator() => entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => entries.GetEnumerator();

    /// <summary>
    /// Adds a header received from the wire, skipping whatever is not valid user metadata rather than failing the call:
    /// reserved keys, malformed keys, non-ASCII text and undecodable base64. A binary header may pack several
    /// comma-separated values.
    /// </summary>
    internal void AddFromWire(string key, string value)
    {
        if (!IsValidKey(key) || IsReservedKey(key))
        {
            return;
        }

        var normalized = key.ToLowerInvariant();
        if (!normalized.EndsWith(BinarySuffix, StringComparison.Ordinal))
        {
            if (IsValidTextValue(value))
            {
                entries.Add(new GrpcMetadataEntry(normalized, value));
            }

            return;
        }

        foreach (var range in value.AsSpan().Split(','))
        {
            if (GrpcBinaryHeader.TryDecode(value.AsSpan(range), out var bytes))
            {
                entries.Add(new GrpcMetadataEntry(normalized, bytes));
            }
        }
    }

    private static string NormalizeUserKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsValidKey(key))
        {
            throw new ArgumentException($"Metadata key '{key}' is empty or has characters outside [0-9a-z._-].", nameof(key));
        }

        if (IsReservedKey(key))
        {
            throw new ArgumentException($"Metadata key '{key}' is reserved by the gRPC protocol.", nameof(key));
        }

        return key.ToLowerInvariant();
    }

    private static bool IsKeyChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
