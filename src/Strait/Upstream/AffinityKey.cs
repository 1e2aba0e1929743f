using Microsoft.AspNetCore.Http;
using Strait.Upstream.Balancing;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>Reads a call's <c>ring_hash</c> key from the client's request header or from the mapped metadata.</summary>
internal static class AffinityKey
{
    /// <returns>The key's hash, or null when the cluster hashes on nothing or the call carries no such value.</returns>
    public static ulong? HashOf(AffinitySource? source, IHeaderDictionary headers, GrpcMetadata metadata)
    {
        if (source is null)
        {
            return null;
        }

        if (source.FromHeader)
        {
            var values = headers[source.Name];
            return values.Count > 0 && values[0] is { Length: > 0 } value ? AffinityHash.Of(value) : null;
        }

        return metadata.TryGetValue(source.Name, out var text) && text.Length > 0 ? AffinityHash.Of(text) : null;
    }
}
