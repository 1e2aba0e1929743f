namespace Strait.Upstream;

/// <summary>Parses the backend address forms the configuration accepts.</summary>
internal static class BackendAddress
{
    /// <summary>
    /// <c>host:port</c> means h2c; <c>http://</c> h2c; <c>https://</c> TLS with ALPN h2. A host whose first label starts
    /// with <c>_</c> is an SRV name, <c>_SERVICE._tcp.NAME</c> (a Kubernetes headless service publishes
    /// <c>_PORTNAME._tcp.SERVICE.NAMESPACE.svc.cluster.local</c>), and has no port: its records give the ports.
    /// </summary>
    public static bool TryParse(string text, out Uri address, out string? error)
    {
        address = null!;
        error = null;
        var hasScheme = text.Contains("://", StringComparison.Ordinal);
        var candidate = hasScheme ? text : "http://" + text;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"backend address '{text}' is not HOST:PORT, http://HOST:PORT or https://HOST:PORT";
            return false;
        }

        var hasPort = HasExplicitPort(hasScheme ? text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..] : text);
        if (uri.Host.StartsWith('_'))
        {
            if (!HasServiceNameShape(uri.Host))
            {
                error = $"backend address '{text}' starts with '_' but is not an SRV name of the form _SERVICE._tcp.NAME";
                return false;
            }

            if (hasPort)
            {
                error = $"backend address '{text}' is an SRV name, whose records give the ports: leave the port out";
                return false;
            }
        }
        else if (!hasScheme && !hasPort)
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

    /// <summary>Whether <paramref name="address"/> names SRV records rather than a host.</summary>
    public static bool IsServiceName(Uri address) => address.Host.StartsWith('_');

    /// <summary>
    /// The address calls to one SRV target name: the scheme of the SRV address, the service's own name (the SRV name
    /// without its <c>_SERVICE._tcp.</c> labels) for <c>:authority</c> and TLS, and the record's port.
    /// </summary>
    /// <remarks>
    /// The service name, not the target's: a Kubernetes service certificate names the service, and the pods' own names
    /// (<c>10-1-2-3.tasks…</c>) are not what a client asks for.
    /// </remarks>
    public static Uri ForServiceTarget(Uri serviceAddress, int port)
    {
        var host = serviceAddress.Host;
        var service = host[(host.IndexOf('.', host.IndexOf('.', StringComparison.Ordinal) + 1) + 1)..].TrimEnd('.');
        return new UriBuilder(serviceAddress.Scheme, service, port).Uri;
    }

    // _SERVICE._tcp.NAME: gRPC runs over HTTP/2, so over TCP.
    private static bool HasServiceNameShape(string host)
    {
        var labels = host.TrimEnd('.').Split('.');
        return labels.Length >= 3 && labels[0].Length > 1 && labels[0][0] == '_' && labels[1].Equals("_tcp", StringComparison.OrdinalIgnoreCase)
            && Array.TrueForAll(labels[2..], label => label.Length > 0 && !label.StartsWith('_'));
    }

    // Uri reports ":80" on http as the default port, so the text itself is asked (after an IPv6 "]").
    private static bool HasExplicitPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > text.LastIndexOf(']') && colon < text.Length - 1;
    }
}
