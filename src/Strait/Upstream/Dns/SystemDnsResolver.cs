using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace Strait.Upstream.Dns;

/// <summary>
/// Resolves through the operating system (getaddrinfo: <c>/etc/hosts</c>, <c>/etc/resolv.conf</c> search domains and
/// options), so short names like <c>tasks</c> are expanded the way every other program on the machine expands them.
/// </summary>
/// <remarks>
/// getaddrinfo has no SRV lookup, so SRV names are asked of the name servers in <c>/etc/resolv.conf</c> (read at the
/// first SRV lookup) through a <see cref="NameServerResolver"/>, without search domains: they must be fully qualified.
/// Their targets are resolved through getaddrinfo again.
/// </remarks>
internal sealed class SystemDnsResolver : IDnsResolver
{
    private readonly Lazy<NameServerResolver> systemNameServers;

    /// <param name="attemptTimeout">For each SRV query to one name server; <see cref="NameServerResolver.DefaultAttemptTimeout"/> when omitted.</param>
    public SystemDnsResolver(TimeSpan? attemptTimeout = null)
    {
        // Not cached when it throws: a resolv.conf written after startup is found at the next refresh.
        systemNameServers = new(() => ReadSystemNameServers(attemptTimeout), LazyThreadSafetyMode.PublicationOnly);
    }

    public static SystemDnsResolver Instance { get; } = new();

    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (DnsHostName.TryParseAddressLiteral(host, out var literal))
        {
            return [literal];
        }

        IPAddress[] addresses;
        try
        {
            addresses = await System.Net.Dns.GetHostAddressesAsync(host, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            return [];
        }
        catch (SocketException e)
        {
            // TryAgain is getaddrinfo's EAI_AGAIN: a timeout or SERVFAIL somewhere behind the OS resolver.
            throw new DnsResolutionException(host, "the system resolver", $"{e.SocketErrorCode}: {e.Message}", e);
        }

        return OrderByFamily(addresses);
    }

    public async Task<IReadOnlyList<IPEndPoint>> ResolveServiceAsync(string name, CancellationToken cancellationToken)
    {
        NameServerResolver nameServers;
        try
        {
            nameServers = systemNameServers.Value;
        }
        catch (InvalidOperationException e)
        {
            throw new DnsResolutionException(name, "the system's name servers", e.Message, e);
        }

        var records = await nameServers.QueryServiceRecordsAsync(name, cancellationToken).ConfigureAwait(false);
        return await ServiceTargets.ResolveAsync(records, this, cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="InvalidOperationException">None could be found.</exception>
    private static NameServerResolver ReadSystemNameServers(TimeSpan? attemptTimeout)
    {
        var servers = new List<IPEndPoint>();
        foreach (var server in NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false))
        {
            servers.Add(new IPEndPoint(IPAddress.Parse(server.Address), server.Port));
        }

        return servers.Count > 0
            ? new NameServerResolver(servers, attemptTimeout)
            : throw new InvalidOperationException("no name server is configured (/etc/resolv.conf)");
    }

    // getaddrinfo orders by RFC 6724 preference and may repeat an address once per socket type; the contract is
    // IPv4 first, each address once.
    private static List<IPAddress> OrderByFamily(IPAddress[] addresses)
    {
        var seen = new HashSet<IPAddress>();
        var ordered = new List<IPAddress>(addresses.Length);
        foreach (var family in (ReadOnlySpan<AddressFamily>)[AddressFamily.InterNetwork, AddressFamily.InterNetworkV6])
        {
            foreach (var address in addresses)
            {
                if (address.AddressFamily == family && seen.Add(address))
                {
                    ordered.Add(address);
                }
            }
        }

        return ordered;
    }
}
