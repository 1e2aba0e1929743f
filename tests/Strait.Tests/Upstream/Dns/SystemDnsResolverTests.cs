using System.Net;
using Strait.Upstream.Dns;

namespace Strait.Tests.Upstream.Dns;

public sealed class SystemDnsResolverTests
{
    [Fact]
    public async Task Localhost_comes_from_etc_hosts_ipv4_first()
    {
        var addresses = await SystemDnsResolver.Instance.ResolveAsync("localhost", CancellationToken.None);

        Assert.Equal(IPAddress.Loopback, addresses[0]);
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
    }

    [Fact]
    public async Task An_ip_literal_is_returned_as_is()
    {
        Assert.Equal([IPAddress.Parse("fd00::9")], await SystemDnsResolver.Instance.ResolveAsync("[fd00::9]", CancellationToken.None));
    }
}
