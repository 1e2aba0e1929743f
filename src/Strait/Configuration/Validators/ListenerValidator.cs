using System.Net;

namespace Strait.Configuration.Validators;

/// <summary><c>listen</c>, <c>http2Listen</c>, <c>listenProtocols</c> and <c>tls</c>: where Strait listens, speaking what.</summary>
internal static class ListenerValidator
{
    public static ListenerSettings Validate(StraitOptions options, List<string> errors)
    {
        var listenUrls = Split(options.Listen);
        if (listenUrls.Length == 0)
        {
            errors.Add("listen: is empty; give a URL such as http://127.0.0.1:8080");
        }

        var listen = Parse(listenUrls, "listen", options.Tls, errors);
        var http2Listen = Parse(Split(options.Http2Listen), "http2Listen", options.Tls, errors);
        if (!TryParseProtocols(options.ListenProtocols, out var protocols))
        {
            errors.Add($"listenProtocols: is '{options.ListenProtocols}'; use 'http1', 'http2' or 'http1AndHttp2'");
        }

        if (options.Tls.Key is not null && options.Tls.Certificate is null)
        {
            errors.Add("tls.key: is set without tls.certificate");
        }

        return new ListenerSettings(listen, http2Listen, protocols, options.Tls.Certificate, options.Tls.Key);
    }

    /// <summary><c>listenProtocols</c> as written: unset, <c>http1</c>, <c>http2</c> or <c>http1AndHttp2</c>.</summary>
    public static bool TryParseProtocols(string? text, out ListenProtocols? protocols)
    {
        protocols = text switch
        {
            "http1" => ListenProtocols.Http1,
            "http2" => ListenProtocols.Http2,
            "http1AndHttp2" => ListenProtocols.Http1AndHttp2,
            _ => null,
        };
        return protocols is not null || text is null;
    }

    private static string[] Split(string? urls) =>
        (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static List<ListenUrl> Parse(string[] urls, string key, TlsOptions tls, List<string> errors)
    {
        var parsed = new List<ListenUrl>();
        foreach (var text in urls)
        {
            if (ListenUrl.TryParse(text) is not { } url)
            {
                errors.Add($"{key}: URL '{text}' is not http://HOST:PORT or https://HOST:PORT");
            }
            else if (!IsBindable(url.Host))
            {
                errors.Add($"{key}: URL '{text}': the host must be an IP address, localhost, * or +");
            }
            else if (url.Tls && tls.Certificate is null)
            {
                errors.Add($"{key}: URL '{text}' is https:// but tls.certificate is not set");
            }
            else
            {
                parsed.Add(url);
            }
        }

        return parsed;
    }

    private static bool IsBindable(string host) =>
        host is "*" or "+" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host.Trim('[', ']'), out _);
}
