using System.Net;
using System.Net.Sockets;

namespace Strait.Upstream.Dns;

/// <summary>
/// Resolves through the operating system (getaddrinfo: <c>/etc/hosts</c>, <c>/etc/resolv.conf</c> search domains and
/// options), so short names like <c>tasks</c> are expanded the way every other program on the machine expands them.
/// </summary>
internal sealed class SystemDnsResolver : IDnsResolver
{
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
