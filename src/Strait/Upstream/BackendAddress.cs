namespace Strait.Upstream;

/// <summary>Parses the backend address forms the configuration accepts.</summary>
internal static class BackendAddress
{
    /// <summary><c>host:port</c> means h2c; <c>http://</c> h2c; <c>https://</c> TLS with ALPN h2.</summary>
    public static bool TryParse(string text, out Uri address, out string? error)
    {
        address = null!;
        error = null;
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"backend address '{text}' is not HOST:PORT, http://HOST:PORT or https://HOST:PORT";
            return false;
        }

        if (!text.Contains("://", StringComparison.Ordinal) && !HasExplicitPort(text))
        {
            error = $"backend address '{text}' has no port";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            error = $"backend address '{text}' must not have a path or query";
            return false;
        }

        address = uri;
        return true;
    }

    // Uri reports ":80" on http as the default port, so the text itself is asked (after an IPv6 "]").
    private static bool HasExplicitPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > text.LastIndexOf(']') && colon < text.Length - 1;
    }
}
