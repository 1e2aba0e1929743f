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
        Assert.True((await UdpQueryAsync(dns.EndPoint, Service)).IsTruncated);

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
    public async Task Srv_targets_are_resolved_to_every_address_with_the_port_of_their_record()
    {
        const string srv = "_grpc._tcp." + Service;
        const string pod0 = "tasks-0." + Service;
        const string pod1 = "tasks-1." + Service;
        const string standby = "tasks-standby." + Service;
        await using var dns = await DnsmasqProcess.StartAsync(
            $"--srv-host={srv},{pod0},50051,0,10",
            $"--srv-host={srv},{pod1},50052,0,10",
            $"--srv-host={srv},{standby},50053,10,10");
        await dns.SetHostsAsync(pod0, Addresses("10.0.0.1", "fd00::1"));
        await dns.SetHostsAsync(pod1, Addresses("10.0.0.2"));
        await dns.SetHostsAsync(standby, Addresses("10.0.0.9"));
        var resolver = dns.CreateResolver();

        Assert.Equal(["10.0.0.1:50051", "10.0.0.2:50052", "[fd00::1]:50051"], Texts(await resolver.ResolveServiceAsync(srv, CancellationToken.None)));

        // The standby's priority is higher (worse): it counts only once no target of priority 0 has an address.
        await dns.SetHostsAsync(pod0);
        Assert.Equal(["10.0.0.2:50052"], Texts(await resolver.ResolveServiceAsync(srv + ".", CancellationToken.None)));
        await dns.SetHostsAsync(pod1);
        Assert.Equal(["10.0.0.9:50053"], Texts(await resolver.ResolveServiceAsync(srv, CancellationToken.None)));
    }

    [Fact]
    public async Task An_unknown_srv_name_and_a_service_published_as_unavailable_are_empty()
    {
        await using var dns = await DnsmasqProcess.StartAsync($"--srv-host=_grpc._tcp.gone.default.svc.{DnsmasqProcess.Zone}");
        var resolver = dns.CreateResolver();

        Assert.Empty(await resolver.ResolveServiceAsync("_grpc._tcp.missing.default.svc." + DnsmasqProcess.Zone, CancellationToken.None));
        Assert.Empty(await resolver.ResolveServiceAsync("_grpc._tcp.gone.default.svc." + DnsmasqProcess.Zone, CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_server_fails_within_the_timeout_naming_host_and_server()
    {
        var nobody = UnusedUdpEndPoint();

        // DnsClient's UDP socket is not connected, so the kernel's "port unreachable" never reaches it and the attempt
        // lasts its whole timeout: 1 s leaves room for a loaded machine under the bound below.
        var resolver = new NameServerResolver([nobody], TimeSpan.FromSeconds(1));
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

    private static string[] Texts(IEnumerable<IPEndPoint> endPoints) => [.. endPoints.Select(e => e.ToString()).Order(StringComparer.Ordinal)];

    // dnsmasq's order within a family is its own (hash order), so sets are compared sorted.
    private static IPAddress[] Sorted(IEnumerable<IPAddress> addresses) =>
        [.. addresses.OrderBy(a => a.AddressFamily).ThenBy(a => a.GetAddressBytes(), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];

    // Bound then released: nothing answers there (the kernel's ICMP port unreachable goes to connected sockets only).
    private static IPEndPoint UnusedUdpEndPoint()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>An A query with an EDNS0 OPT record for 4096 bytes, as the resolver sends it, assembled by hand.</summary>
    private static async Task<UdpReply> UdpQueryAsync(IPEndPoint server, string name)
    {
        List<byte> query = [0, 1, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1];
        foreach (var label in name.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        query.AddRange([0, 0, 1, 0, 1, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
        using var client = new UdpClient(AddressFamily.InterNetwork);
        client.Connect(server);
        await client.SendAsync(query.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var reply = await client.ReceiveAsync(timeout.Token);
        return new UdpReply((reply.Buffer[2] & 0x02) != 0);
    }

    private readonly record struct UdpReply(bool IsTruncated);
}
