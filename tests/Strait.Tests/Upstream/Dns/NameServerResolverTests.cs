using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Strait.Upstream.Dns;

namespace Strait.Tests.Upstream.Dns;

/// <summary>The resolver against a real dnsmasq, the way it sees a Kubernetes headless service.</summary>
public sealed class NameServerResolverTests
{
    private const string Service = "tasks.default.svc." + DnsmasqProcess.Zone;

    [Fact]
    public async Task Every_A_record_is_returned_and_a_rewrite_is_seen()
    {
        await using var dns = await DnsmasqProcess.StartAsync();
        var resolver = dns.CreateResolver();

        await dns.SetHostsAsync(Service, Addresses("10.0.0.1", "10.0.0.2", "10.0.0.3"));
        Assert.Equal(Addresses("10.0.0.1", "10.0.0.2", "10.0.0.3"), Sorted(await resolver.ResolveAsync(Service, CancellationToken.None)));

        await dns.SetHostsAsync(Service, Addresses("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"));
        Assert.Equal(Addresses("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"), Sorted(await resolver.ResolveAsync(Service + ".", CancellationToken.None)));
    }

    [Fact]
    public async Task Aaaa_records_come_after_the_a_records()
    {
        await using var dns = await DnsmasqProcess.StartAsync();
        await dns.SetHostsAsync(Service, Addresses("fd00::1", "10.0.0.1", "fd00::2"));

        var addresses = await dns.CreateResolver().ResolveAsync(Service, CancellationToken.None);

        Assert.Equal(AddressFamily.InterNetwork, addresses[0].AddressFamily);
        Assert.Equal(Addresses("fd00::1", "fd00::2"), Sorted(addresses.Skip(1)));
    }

    [Fact]
    public async Task An_unknown_name_and_a_removed_name_are_empty()
    {
        await using var dns = await DnsmasqProcess.StartAsync();
        var resolver = dns.CreateResolver();

        Assert.Empty(await resolver.ResolveAsync("missing.default.svc." + DnsmasqProcess.Zone, CancellationToken.None));

        await dns.SetHostsAsync(Service, Addresses("10.0.0.1"));
        await dns.SetHostsAsync(Service);
        Assert.Empty(await resolver.ResolveAsync(Service, CancellationToken.None));
    }

    [Fact]
    public async Task Sixty_records_truncate_over_udp_and_arrive_whole_over_tcp()
    {
        await using var dns = await DnsmasqProcess.StartAsync();
        var expected = Enumerable.Range(1, 60).Select(i => IPAddress.Parse($"10.1.0.{i}")).ToArray();
        await dns.SetHostsAsync(Service, expected);

        // Proves the path: over UDP alone dnsmasq (--edns-packet-max=512) cuts this answer short.
        Assert.True((await UdpQueryAsync(dns.EndPoint, Service, DnsRecordType.A)).IsTruncated);

        Assert.Equal(expected, Sorted(await dns.CreateResolver().ResolveAsync(Service, CancellationToken.None)));
    }

    [Fact]
    public async Task Cname_chains_are_followed_and_a_dangling_one_is_empty()
    {
        const string target = "tasks-pods.default.svc." + DnsmasqProcess.Zone;
        const string alias = "tasks-alias.default.svc." + DnsmasqProcess.Zone;
        const string aliasOfAlias = "tasks-alias2.default.svc." + DnsmasqProcess.Zone;
        const string dangling = "dangling.default.svc." + DnsmasqProcess.Zone;
        await using var dns = await DnsmasqProcess.StartAsync(
            $"--cname={alias},{target}",
            $"--cname={aliasOfAlias},{alias}",
            $"--cname={dangling},nowhere.default.svc.{DnsmasqProcess.Zone}");
        await dns.SetHostsAsync(target, Addresses("10.0.0.1", "10.0.0.2", "fd00::1"));
        var resolver = dns.CreateResolver();

        Assert.Equal(Addresses("10.0.0.1", "10.0.0.2", "fd00::1"), Sorted(await resolver.ResolveAsync(alias, CancellationToken.None)));
        Assert.Equal(Addresses("10.0.0.1", "10.0.0.2", "fd00::1"), Sorted(await resolver.ResolveAsync(aliasOfAlias, CancellationToken.None)));

        // dnsmasq answers the CNAME alone; the follow-up query for its target is NXDOMAIN.
        Assert.Empty(await resolver.ResolveAsync(dangling, CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_server_fails_within_the_timeout_naming_host_and_server()
    {
        var nobody = UnusedUdpEndPoint();
        var resolver = new NameServerResolver([nobody], TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => resolver.ResolveAsync(Service, CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"took {clock.Elapsed}");
        Assert.Equal(Service, error.Host);
        Assert.Contains(nobody.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{Service}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_next_server_answers_when_the_first_is_unreachable()
    {
        await using var dns = await DnsmasqProcess.StartAsync();
        await dns.SetHostsAsync(Service, Addresses("10.0.0.7"));
        var resolver = new NameServerResolver([UnusedUdpEndPoint(), dns.EndPoint], TimeSpan.FromSeconds(2));

        Assert.Equal(Addresses("10.0.0.7"), await resolver.ResolveAsync(Service, CancellationToken.None));
    }

    [Fact]
    public async Task An_ip_literal_is_returned_without_asking_anyone()
    {
        var resolver = new NameServerResolver([UnusedUdpEndPoint()]);

        Assert.Equal(Addresses("10.1.2.3"), await resolver.ResolveAsync("10.1.2.3", CancellationToken.None));
        Assert.Equal(Addresses("fd00::5"), await resolver.ResolveAsync("[fd00::5]", CancellationToken.None));
    }

    private static IPAddress[] Addresses(params string[] texts) => [.. texts.Select(IPAddress.Parse)];

    // dnsmasq's order within a family is its own (hash order), so sets are compared sorted.
    private static IPAddress[] Sorted(IEnumerable<IPAddress> addresses) =>
        [.. addresses.OrderBy(a => a.AddressFamily).ThenBy(a => a.GetAddressBytes(), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];

    // Bound then released: on loopback the kernel answers a datagram to it with ICMP port unreachable.
    private static IPEndPoint UnusedUdpEndPoint()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    private static async Task<DnsResponse> UdpQueryAsync(IPEndPoint server, string name, ushort type)
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        client.Connect(server);
        await client.SendAsync(DnsMessage.EncodeQuery(1, name, type, edns: true));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var reply = await client.ReceiveAsync(timeout.Token);
        return DnsMessage.Parse(reply.Buffer);
    }
}
