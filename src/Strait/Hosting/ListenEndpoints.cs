using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Strait.Configuration;

namespace Strait.Hosting;

/// <summary>
/// Binds the listen URLs with the protocols each one speaks. <c>listen</c> speaks <c>listenProtocols</c>: by default
/// HTTP/1.1 and h2c with prior knowledge on <c>http://</c> URLs, told apart by the HTTP/2 preface
/// (<see cref="PrefaceRouter"/>), and HTTP/1.1 on <c>https://</c> ones, where <c>http1AndHttp2</c> negotiates by ALPN.
/// <c>http2Listen</c> speaks HTTP/2 only.
/// </summary>
internal static class ListenEndpoints
{
    /// <returns>Every bound listener, to read the chosen ports from once Kestrel started.</returns>
    public static List<BoundListener> Bind(KestrelServerOptions kestrel, StraitOptions options)
    {
        var certificate = options.Tls.Certificate is { } certificatePath ? LoadCertificate(certificatePath, options.Tls.Key) : null;
        var bound = new List<BoundListener>();
        PrefaceRouter? router = null;
        foreach (var url in Split(options.Listen))
        {
            var tls = Parse(url).Tls;
            var protocols = Protocols(options.ListenProtocols, tls);
            var routed = !tls && protocols == HttpProtocols.Http1AndHttp2;
            if (routed && router is null)
            {
                router = new PrefaceRouter(kestrel.Limits);
                router.BindHttp2Pipeline(kestrel);
            }

            Bind(kestrel, url, protocols, certificate, routed ? router : null, bound, http2Listen: false);
        }

        foreach (var url in Split(options.Http2Listen))
        {
            Bind(kestrel, url, HttpProtocols.Http2, certificate, router: null, bound, http2Listen: true);
        }

        return bound;
    }

    public static IEnumerable<string> Split(string? urls) =>
        (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>What a listen URL speaks; unset, both on cleartext and HTTP/1.1 on TLS, as before detection existed.</summary>
    public static HttpProtocols Protocols(string? listenProtocols, bool tls) => listenProtocols switch
    {
        "http2" => HttpProtocols.Http2,
        "http1AndHttp2" => HttpProtocols.Http1AndHttp2,
        "http1" => HttpProtocols.Http1,
        _ => tls ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2,
    };

    /// <param name="router">Set for a cleartext URL that speaks both protocols.</param>
    private static void Bind(
        KestrelServerOptions kestrel, string url, HttpProtocols protocols, X509Certificate2? certificate, PrefaceRouter? router, List<BoundListener> bound, bool http2Listen)
    {
        var (tls, host, port) = Parse(url);
        if (tls && certificate is null)
        {
            throw new StraitConfigurationException($"listen URL '{url}' is https:// but tls.certificate is not set");
        }

        void Configure(ListenOptions listen)
        {
            if (tls)
            {
                listen.Protocols = protocols;
                listen.UseHttps(certificate!);
            }
            else if (router is not null)
            {
                // Kestrel would pick HTTP/1.1 for every cleartext connection anyway; this listener's own pipeline is
                // HTTP/1.1, and the router sends connections that open with the preface to the HTTP/2 one.
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(router.Route);
            }
            else
            {
                listen.Protocols = protocols;
            }

            bound.Add(new BoundListener(listen, tls, protocols == HttpProtocols.Http2, http2Listen));
        }

        if (host is "*" or "+")
        {
            kestrel.ListenAnyIP(port, Configure);
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel's localhost binding (both loopbacks) cannot choose a port; port 0 means IPv4 loopback.
            if (port == 0)
            {
                kestrel.Listen(IPAddress.Loopback, 0, Configure);
            }
            else
            {
                kestrel.ListenLocalhost(port, Configure);
            }
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            kestrel.Listen(address, port, Configure);
        }
        else
        {
            throw new StraitConfigurationException($"listen URL '{url}': the host must be an IP address, localhost, * or +");
        }
    }

    /// <summary>Splits <c>http(s)://HOST:PORT</c>; Kestrel's wildcard hosts (<c>*</c>, <c>+</c>) are not URI hosts, so this is done by hand.</summary>
    internal static (bool Tls, string Host, int Port) Parse(string url)
    {
        var tls = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!tls && !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(url);
        }

        var authority = url[(tls ? 8 : 7)..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || authority.Contains('/', StringComparison.Ordinal) || authority.EndsWith(']')
            || !int.TryParse(authority.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port > 65535)
        {
            throw Invalid(url);
        }

        return (tls, authority[..colon], port);
    }

    private static StraitConfigurationException Invalid(string url) => new($"listen URL '{url}' is not http://HOST:PORT or https://HOST:PORT");

    private static X509Certificate2 LoadCertificate(string certificatePath, string? keyPath)
    {
        try
        {
            return keyPath is null
                ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password: null)
                : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new StraitConfigurationException($"tls.certificate '{certificatePath}': {e.Message}", e);
        }
    }

}

/// <summary>One Kestrel listener and what it speaks.</summary>
internal sealed record BoundListener(ListenOptions Options, bool Tls, bool Http2Only, bool FromHttp2Listen)
{
    /// <summary>The URL it answers on, with the port Kestrel chose for a port of 0 (known once Kestrel started).</summary>
    public string Url
    {
        get
        {
            var scheme = Tls ? "https://" : "http://";
            if (Options.IPEndPoint is not { } endpoint)
            {
                return Options.ToString() ?? scheme;
            }

            return endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? FormattableString.Invariant($"{scheme}[{endpoint.Address}]:{endpoint.Port}")
                : FormattableString.Invariant($"{scheme}{endpoint.Address}:{endpoint.Port}");
        }
    }
}
