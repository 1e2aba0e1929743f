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
    public static List<BoundListener> Bind(KestrelServerOptions kestrel, ListenerSettings settings)
    {
        var certificate = settings.Certificate is { } certificatePath ? LoadCertificate(certificatePath, settings.Key) : null;
        var bound = new List<BoundListener>();
        PrefaceRouter? router = null;
        foreach (var url in settings.Listen)
        {
            var protocols = Protocols(settings.Protocols, url.Tls);
            var routed = !url.Tls && protocols == HttpProtocols.Http1AndHttp2;
            if (routed && router is null)
            {
                router = new PrefaceRouter(kestrel.Limits);
                router.BindHttp2Pipeline(kestrel);
            }

            Bind(kestrel, url, protocols, certificate, routed ? router : null, bound, http2Listen: false);
        }

        foreach (var url in settings.Http2Listen)
        {
            Bind(kestrel, url, HttpProtocols.Http2, certificate, router: null, bound, http2Listen: true);
        }

        return bound;
    }

    /// <summary>What a listen URL speaks; unset, both on cleartext and HTTP/1.1 on TLS, as before detection existed.</summary>
    public static HttpProtocols Protocols(ListenProtocols? listenProtocols, bool tls) => listenProtocols switch
    {
        ListenProtocols.Http2 => HttpProtocols.Http2,
        ListenProtocols.Http1AndHttp2 => HttpProtocols.Http1AndHttp2,
        ListenProtocols.Http1 => HttpProtocols.Http1,
        _ => tls ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2,
    };

    /// <param name="router">Set for a cleartext URL that speaks both protocols.</param>
    private static void Bind(
        KestrelServerOptions kestrel, ListenUrl url, HttpProtocols protocols, X509Certificate2? certificate, PrefaceRouter? router, List<BoundListener> bound, bool http2Listen)
    {
        var (_, tls, host, port) = url;
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
        else
        {
            // Validation allowed no other host than an address.
            kestrel.Listen(IPAddress.Parse(host.Trim('[', ']')), port, Configure);
        }
    }

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
