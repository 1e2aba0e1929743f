using System.Globalization;

namespace Strait.Configuration;

/// <summary>What the <c>listen</c> URLs speak (<c>listenProtocols</c>).</summary>
internal enum ListenProtocols
{
    Http1,
    Http2,
    Http1AndHttp2,
}

/// <summary>One listen URL, split into its parts.</summary>
/// <param name="Host">As written: an IP address (IPv6 in brackets), a name, or Kestrel's wildcards <c>*</c> and <c>+</c>.</param>
internal sealed record ListenUrl(string Text, bool Tls, string Host, int Port)
{
    /// <summary>Splits <c>http(s)://HOST:PORT</c>; by hand, since Kestrel's wildcard hosts are not URI hosts.</summary>
    /// <returns>Null when <paramref name="url"/> is not of that form.</returns>
    public static ListenUrl? TryParse(string url)
    {
        var tls = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!tls && !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var authority = url[(tls ? 8 : 7)..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || authority.Contains('/', StringComparison.Ordinal) || authority.EndsWith(']')
            || !int.TryParse(authority.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > 65535)
        {
            return null;
        }

        return new ListenUrl(url, tls, authority[..colon], port);
    }
}

/// <summary><c>listen</c>, <c>http2Listen</c>, <c>listenProtocols</c> and <c>tls</c>, checked.</summary>
/// <param name="Protocols">Null when unset: both protocols on <c>http://</c> URLs, HTTP/1.1 on <c>https://</c> ones.</param>
/// <param name="Certificate">Read when the listeners are bound, so that <c>strait validate</c> needs no secrets.</param>
internal sealed record ListenerSettings(
    IReadOnlyList<ListenUrl> Listen,
    IReadOnlyList<ListenUrl> Http2Listen,
    ListenProtocols? Protocols,
    string? Certificate,
    string? Key);
