using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Strait.Cors;

/// <summary>
/// The compiled <see cref="CorsOptions"/>: answers preflights and marks responses to allowed origins. A request from an
/// origin not allowed gets no CORS headers, so the browser withholds the answer from the page; a preflight from it is
/// refused with 403.
/// </summary>
internal sealed class CorsPolicy
{
    private static readonly string[] BuiltInAllowed =
    [
        "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "authorization", "idempotency-key", "last-event-id",
        "x-request-id", "x-request-timeout",
    ];

    private static readonly string[] BuiltInExposed =
    [
        "grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id", "retry-after", "ratelimit-limit",
        "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy",
    ];

    private readonly FrozenSet<string> origins;
    private readonly bool anyOrigin;
    private readonly FrozenSet<string> allowedHeaders;
    private readonly bool anyHeader;
    private readonly string exposed;
    private readonly string maxAge;
    private readonly bool credentials;

    public CorsPolicy(CorsOptions options)
    {
        var allowed = options.AllowedOrigins ?? [];
        Enabled = allowed.Count > 0;
        anyOrigin = allowed.Contains("*");
        origins = allowed.Where(o => o != "*").ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        var headers = options.AllowedHeaders ?? [];
        anyHeader = headers.Contains("*");
        allowedHeaders = BuiltInAllowed.Concat(headers.Where(h => h != "*")).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        exposed = string.Join(", ", BuiltInExposed.Concat(options.ExposedHeaders ?? []).Distinct(StringComparer.OrdinalIgnoreCase));
        maxAge = ((long)options.MaxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        credentials = options.AllowCredentials;
    }

    public bool Enabled { get; }

    /// <summary>An <c>OPTIONS</c> request with <c>Origin</c> and <c>Access-Control-Request-Method</c>.</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Origin") && request.Headers.ContainsKey("Access-Control-Request-Method");

    /// <summary>Adds the headers that let an allowed origin read this response; nothing for other origins or without <c>Origin</c>.</summary>
    public void MarkResponse(HttpContext context)
    {
        if (!Enabled || !TryAllow(context.Request.Headers.Origin, out var origin))
        {
            return;
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlExposeHeaders = exposed;
        AddVaryAndCredentials(headers);
    }

    /// <summary>
    /// Browsers do not apply CORS to WebSockets, so the gateway checks the handshake's <c>Origin</c> itself: none (not a
    /// browser), an allowed origin, or the gateway's own host. Anything else would let any site open a stream with the
    /// user's cookies.
    /// </summary>
    public bool AllowsWebSocket(HttpContext context)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count == 0)
        {
            return true;
        }

        if (Enabled && TryAllow(origin, out _))
        {
            return true;
        }

        return origin.Count == 1 && Uri.TryCreate(origin[0], UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Answers a preflight: 204 with what is allowed, or 403 when the origin, method or a header is not.</summary>
    public void AnswerPreflight(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!Enabled || !TryAllow(request.Headers.Origin, out var origin) || !AllowsHeaders(request.Headers.AccessControlRequestHeaders, out var requested))
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        var headers = response.Headers;
        response.StatusCode = StatusCodes.Status204NoContent;
        headers.Append("Vary", "Access-Control-Request-Headers");
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
        if (requested.Length > 0)
        {
            headers.AccessControlAllowHeaders = requested;
        }

        headers.AccessControlMaxAge = maxAge;
        AddVaryAndCredentials(headers);
    }

    private void AddVaryAndCredentials(IHeaderDictionary headers)
    {
        if (!anyOrigin || credentials)
        {
            // The answer depends on the origin: a shared cache must not serve one origin's grant to another.
            headers.Append("Vary", "Origin");
        }

        if (credentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }
    }

    private bool TryAllow(StringValues originHeader, out string origin)
    {
        origin = originHeader.Count == 1 ? originHeader[0] ?? string.Empty : string.Empty;
        if (origin.Length == 0)
        {
            return false;
        }

        if (origins.Contains(origin))
        {
            return true;
        }

        if (anyOrigin)
        {
            origin = credentials ? origin : "*";
            return true;
        }

        return false;
    }

    private bool AllowsHeaders(StringValues requestHeaders, out string requested)
    {
        requested = string.Join(", ", requestHeaders.Where(v => !string.IsNullOrEmpty(v)));
        if (anyHeader || requested.Length == 0)
        {
            return true;
        }

        foreach (var name in requested.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!allowedHeaders.Contains(name))
            {
                return false;
            }
        }

        return true;
    }
}
