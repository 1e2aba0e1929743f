using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Strait.Resilience;

/// <summary>
/// Which client a request belongs to, for per-client rate limits and Idempotency-Key scopes: <c>global</c>, <c>ip</c>,
/// <c>header:NAME</c> or <c>jwt:CLAIM</c>; the last two fall back to the address when the request lacks them.
/// </summary>
internal sealed class ClientPartition
{
    private readonly Kind kind;
    private readonly string name;

    private ClientPartition(Kind kind, string name)
    {
        this.kind = kind;
        this.name = name;
    }

    private enum Kind
    {
        Global,
        Ip,
        Header,
        JwtClaim,
    }

    public static ClientPartition? TryParse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? text.Trim() : text[..colon].Trim();
        var name = colon < 0 ? string.Empty : text[(colon + 1)..].Trim();
        return (kind, name.Length) switch
        {
            ("global", 0) => new ClientPartition(Kind.Global, name),
            ("ip", 0) => new ClientPartition(Kind.Ip, name),
            ("header", > 0) when name.AsSpan().IndexOfAny(" \t:") < 0 => new ClientPartition(Kind.Header, name),
            ("jwt", > 0) => new ClientPartition(Kind.JwtClaim, name),
            _ => null,
        };
    }

    /// <summary>The partition: prefixed so that a header value can never collide with an address.</summary>
    public string Of(HttpContext context)
    {
        switch (kind)
        {
            case Kind.Global:
                return string.Empty;
            case Kind.Header when context.Request.Headers.TryGetValue(name, out var value) && value.Count > 0 && value[0] is { Length: > 0 } key:
                return "k:" + key;
            case Kind.JwtClaim when BearerClaim(context.Request.Headers.Authorization, name) is { } claim:
                return "j:" + claim;
            default:
                return "a:" + (context.Connection.RemoteIpAddress ?? IPAddress.None).ToString();
        }
    }

    /// <summary>A string claim of a bearer JWT's payload, not verified: partitioning only needs the client to be consistent.</summary>
    private static string? BearerClaim(string? authorization, string claim)
    {
        const string Bearer = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization.AsSpan(Bearer.Length).Trim();
        var first = token.IndexOf('.');
        var length = first < 0 ? -1 : token[(first + 1)..].IndexOf('.');
        if (length is < 0 or > 8192)
        {
            return null;
        }

        var payload = token.Slice(first + 1, length);
        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payload, buffer, out _, out var written) != OperationStatus.Done)
            {
                return null;
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(0, written));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var matches = reader.ValueTextEquals(claim);
                reader.Read();
                if (matches)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string that is not valid UTF-8: no claim to partition by.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
