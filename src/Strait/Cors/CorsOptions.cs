using Strait.Headers;

namespace Strait.Cors;

/// <summary>
/// Cross-origin access for browsers (grpc-web, REST, SSE, WebSocket). Off unless <see cref="AllowedOrigins"/> names
/// origins: then preflights are answered and allowed origins may read the exposed headers.
/// </summary>
internal sealed class CorsOptions
{
    /// <summary>Origins (<c>https://app.example.com</c>) allowed to call; <c>*</c> allows any. Empty: CORS is off.</summary>
    public List<string>? AllowedOrigins { get; set; }

    /// <summary>
    /// Request headers a preflight may allow beyond the built-in ones (content-type, the grpc-web headers, grpc-timeout,
    /// authorization, idempotency-key, last-event-id, x-request-id, x-request-timeout); <c>*</c> allows whatever is asked.
    /// </summary>
    public List<string>? AllowedHeaders { get; set; }

    /// <summary>Response headers scripts may read beyond the built-in ones (grpc-status, grpc-message, grpc-status-details-bin, x-request-id, retry-after, the RateLimit headers).</summary>
    public List<string>? ExposedHeaders { get; set; }

    /// <summary>Whether cookies and HTTP authentication cross (<c>Access-Control-Allow-Credentials</c>); not with <c>*</c> origins.</summary>
    public bool AllowCredentials { get; set; }

    /// <summary>How long a browser may cache a preflight's answer.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Every error in these options, each naming its key.</summary>
    internal IEnumerable<string> Validate()
    {
        var origins = AllowedOrigins ?? [];
        for (var i = 0; i < origins.Count; i++)
        {
            var origin = origins[i];
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || origin.EndsWith('/')))
            {
                yield return $"cors.allowedOrigins[{i}]: '{origin}' is not an origin (scheme://host[:port], no path) or *";
            }
        }

        if (AllowCredentials && AllowedOrigins?.Contains("*") == true)
        {
            yield return "cors.allowCredentials: cannot be true with the origin *: browsers refuse credentials for any origin";
        }

        foreach (var (key, headers) in new[] { ("allowedHeaders", AllowedHeaders ?? []), ("exposedHeaders", ExposedHeaders ?? []) })
        {
            for (var i = 0; i < headers.Count; i++)
            {
                if (headers[i] != "*" && !HttpHeaderNames.IsToken(headers[i]))
                {
                    yield return $"cors.{key}[{i}]: '{headers[i]}' is not a header name";
                }
            }
        }

        if (MaxAge < TimeSpan.Zero || MaxAge > TimeSpan.FromDays(1))
        {
            yield return $"cors.maxAge: must be between 00:00:00 and 1.00:00:00 (it is {MaxAge})";
        }
    }
}
