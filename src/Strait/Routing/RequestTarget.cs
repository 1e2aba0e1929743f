using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Strait.Routing;

/// <summary>
/// The request path as every path-based decision sees it, read once at the front door from the target as the client
/// sent it. Kestrel's <c>Request.Path</c> is not that view: it is decoded and has its dot segments removed, so a
/// decision made on it and another made on the raw target can disagree about which path a request names.
/// </summary>
/// <remarks>
/// Dot segments (<c>.</c>, <c>..</c>, also percent-encoded) are refused rather than removed (ADR 0011), so there is
/// nothing left for Kestrel's normalisation to change: <see cref="Path"/> is <see cref="RawPath"/> with escapes of
/// unreserved characters decoded, the canonical form in which the route table compares literals.
/// </remarks>
internal readonly struct RequestTarget
{
    private RequestTarget(string rawPath, string? rawQuery)
    {
        RawPath = rawPath;
        RawQuery = rawQuery;
        HasDotSegment = DotSegments.Contains(rawPath);
        Path = PercentEncoding.FindMalformedEscape(rawPath) < 0 ? PercentEncoding.Normalize(rawPath) : rawPath;
    }

    /// <summary>The path as sent, still percent-encoded, without the query: what routes are matched and bound on.</summary>
    public string RawPath { get; }

    /// <summary>The query as sent, without its <c>?</c>; null when there is none.</summary>
    public string? RawQuery { get; }

    /// <summary>
    /// The path compared with configured paths (<c>headers.skipPaths</c>, the OpenAPI document and explorer) and gRPC
    /// method names: escapes of unreserved characters decoded, those of the others kept with upper-case hex digits.
    /// </summary>
    public string Path { get; }

    /// <summary>A segment of the path is <c>.</c> or <c>..</c>, written plainly or percent-encoded: the request is refused.</summary>
    public bool HasDotSegment { get; }

    public static RequestTarget Read(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(target) && target[0] == '/')
        {
            return Parse(target);
        }

        if (!string.IsNullOrEmpty(target) && AbsoluteFormPathStart(target) is var start and >= 0)
        {
            // Absolute form ("GET http://host/v1/x HTTP/1.1"): Kestrel takes the path from System.Uri, which removes
            // dot segments too, so the path is cut out of the target as sent.
            return start == target.Length || target[start] == '?' ? Parse("/" + target[start..]) : Parse(target[start..]);
        }

        // The asterisk form of OPTIONS, and hosts without a raw target (test servers).
        return new RequestTarget(
            context.Request.Path.HasValue ? context.Request.Path.ToUriComponent() : "/",
            context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : null);
    }

    internal static RequestTarget Parse(string originForm)
    {
        var question = originForm.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? new RequestTarget(originForm, null) : new RequestTarget(originForm[..question], originForm[(question + 1)..]);
    }

    /// <summary>Where the path of an absolute-form target starts (its length when the path is empty), or -1.</summary>
    private static int AbsoluteFormPathStart(string target)
    {
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            return -1;
        }

        var authorityEnd = target.AsSpan(scheme + 3).IndexOfAny('/', '?');
        return authorityEnd < 0 ? target.Length : scheme + 3 + authorityEnd;
    }
}
