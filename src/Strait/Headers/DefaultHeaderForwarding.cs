using Microsoft.AspNetCore.Http;
using Strait.Observability;
using Strait.Wire;

namespace Strait.Headers;

/// <summary>
/// The safe default for turning request headers into gRPC metadata until declarative mapping rules replace it:
/// only <c>Authorization</c>, <c>Grpc-Metadata-*</c> (prefix stripped, <c>-bin</c> values base64-decoded), the
/// trace context and Strait's own request id and <c>X-Forwarded-*</c> values cross over. Everything else —
/// hop-by-hop headers included — stays at the edge.
/// </summary>
public static class DefaultHeaderForwarding
{
    public const string MetadataPrefix = "Grpc-Metadata-";

    private static readonly string[] PassThrough = ["authorization", "traceparent", "tracestate"];

    // Keys Strait sets itself or passes through from their own headers: a client must not forge them by prefix.
    private static readonly HashSet<string> OwnedKeys = new(StringComparer.Ordinal)
    {
        "authorization", "traceparent", "tracestate", RequestIdentity.RequestIdHeader, "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
    };

    /// <summary>Builds the call's metadata, or returns false with a message naming the offending header.</summary>
    public static bool TryBuild(HttpRequest request, RequestIdentity identity, out GrpcMetadata metadata, out string? error)
    {
        metadata = new GrpcMetadata();
        error = null;
        var connectionOptions = request.Headers.Connection;
        foreach (var name in PassThrough)
        {
            // A header the client named in Connection is hop-by-hop for this request (RFC 9110 §7.6.1).
            if (NamedIn(connectionOptions, name))
            {
                continue;
            }

            foreach (var value in request.Headers[name])
            {
                if (!string.IsNullOrEmpty(value) && GrpcMetadata.IsValidTextValue(value))
                {
                    metadata.Add(name, value);
                }
            }
        }

        foreach (var (header, values) in request.Headers)
        {
            if (!header.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = header[MetadataPrefix.Length..].ToLowerInvariant();
            if (!GrpcMetadata.IsValidKey(key) || GrpcMetadata.IsReservedKey(key) || IsHopByHop(key) || OwnedKeys.Contains(key))
            {
                error = $"header '{header}' does not name a metadata key that can be forwarded (letters, digits, '-', '_', '.'; not a reserved, hop-by-hop or gateway-owned name)";
                return false;
            }

            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                if (!TryAdd(metadata, key, value))
                {
                    error = GrpcMetadata.IsBinaryKey(key)
                        ? $"header '{header}' is not valid base64"
                        : $"header '{header}' contains characters that are not printable ASCII";
                    return false;
                }
            }
        }

        metadata.Add(RequestIdentity.RequestIdHeader, identity.RequestId);
        AddForwardedFor(request, metadata);
        metadata.Add("x-forwarded-host", request.Host.Value ?? string.Empty);
        metadata.Add("x-forwarded-proto", request.Scheme);
        return true;
    }

    private static bool TryAdd(GrpcMetadata metadata, string key, string value)
    {
        if (!GrpcMetadata.IsBinaryKey(key))
        {
            if (!GrpcMetadata.IsValidTextValue(value))
            {
                return false;
            }

            metadata.Add(key, value);
            return true;
        }

        if (!GrpcBinaryHeader.TryDecode(value, out var bytes))
        {
            return false;
        }

        metadata.Add(key, bytes);
        return true;
    }

    private static void AddForwardedFor(HttpRequest request, GrpcMetadata metadata)
    {
        var remote = request.HttpContext.Connection.RemoteIpAddress?.ToString();
        var existing = request.Headers["x-forwarded-for"].ToString();
        var value = string.IsNullOrEmpty(existing) ? remote : remote is null ? existing : existing + ", " + remote;
        if (!string.IsNullOrEmpty(value) && GrpcMetadata.IsValidTextValue(value))
        {
            metadata.Add("x-forwarded-for", value);
        }
    }

    private static bool NamedIn(Microsoft.Extensions.Primitives.StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsHopByHop(string key) => key is "connection" or "keep-alive" or "proxy-connection"
        or "proxy-authenticate" or "proxy-authorization" or "te" or "trailer" or "transfer-encoding" or "upgrade" or "host";
}
