namespace Strait.Upstream.Dns;

/// <summary>
/// No authoritative answer for a host name: a timeout, SERVFAIL, REFUSED, a malformed reply or an unreachable server.
/// Endpoint discovery keeps the endpoints it last knew when it sees this, unlike an empty (NXDOMAIN) answer.
/// </summary>
internal sealed class DnsResolutionException : Exception
{
    public DnsResolutionException()
        : this("DNS resolution failed")
    {
    }

    public DnsResolutionException(string message)
        : base(message)
    {
        Host = string.Empty;
        Server = string.Empty;
    }

    public DnsResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Host = string.Empty;
        Server = string.Empty;
    }

    /// <param name="host">The name the caller asked for (not a CNAME target followed on the way).</param>
    /// <param name="server">The server or servers asked, e.g. <c>127.0.0.1:53</c> or <c>the system resolver</c>.</param>
    /// <param name="reason">What happened, per server when there were several.</param>
    public DnsResolutionException(string host, string server, string reason, Exception? innerException = null)
        : base($"resolving '{host}' via {server} failed: {reason}", innerException)
    {
        Host = host;
        Server = server;
    }

    public string Host { get; }

    public string Server { get; }
}
