using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;

namespace Strait.Headers;

/// <summary>Classifies HTTP header names for the mapping's safety rules.</summary>
internal static class HttpHeaderNames
{
    /// <summary>Connection-scoped headers (RFC 9110 §7.6.1) and Host; <see cref="IsHopByHop"/> adds the Proxy-* family.</summary>
    public static readonly string[] HopByHopNames =
    [
        "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "host", "proxy-connection", "proxy-authorization", "proxy-authenticate",
    ];

    /// <summary>RFC 9110 token: what a header name may consist of.</summary>
    public static bool IsToken(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~'))
            {
                return false;
            }
        }

        return true;
    }

    private static readonly FrozenSet<string> HopByHopSet = HopByHopNames.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Headers that describe one connection (RFC 9110 §7.6.1) and never cross a proxy.</summary>
    public static bool IsHopByHop(string name) => HopByHopSet.Contains(name) || name.StartsWith("proxy-", StringComparison.OrdinalIgnoreCase);

    /// <summary>Headers that describe the HTTP message itself, which the gRPC call has its own versions of.</summary>
    public static bool IsReserved(string name) => DescribesTheBody(name) || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Keys metadata may never take from a header or a rule: gRPC's reserved keys, hop-by-hop names and headers that
    /// describe the HTTP message (<c>content-encoding</c> included, which gRPC's own list lacks).
    /// </summary>
    public static bool IsProtocolKey(string key) => Wire.GrpcMetadata.IsReservedKey(key) || IsHopByHop(key) || IsReserved(key);

    /// <summary>Headers that frame or describe the body Strait writes, which no metadata may set.</summary>
    public static bool DescribesTheBody(string name) =>
        name.StartsWith(':')
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-encoding", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="name"/> is one of the comma-separated options of the request's Connection header.</summary>
    public static bool IsNamedIn(StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            var rest = (value ?? string.Empty).AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var token = (comma < 0 ? rest : rest[..comma]).Trim();
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                rest = comma < 0 ? default : rest[(comma + 1)..];
            }
        }

        return false;
    }
}
