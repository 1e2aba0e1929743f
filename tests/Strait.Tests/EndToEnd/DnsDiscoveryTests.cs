using System.Net;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// DNS discovery against a real name server (dnsmasq) the test controls: replicas on 127.0.0.2… share one port, the
/// way pods of a Kubernetes headless service do, and the test rewrites the name's A records as the fleet scales.
/// </summary>
public sealed class DnsDiscoveryTests
{
    private const string ServiceName = "tasks.default.svc." + DnsmasqProcess.Zone;
    private const string VirtualIpName = "tasks-vip.default.svc." + DnsmasqProcess.Zone;
    private const string SrvName = "_grpc._tcp.tasks.default.svc." + DnsmasqProcess.Zone;

    [Fact]
    public async Task Scale_out_is_followed_within_a_refresh_interval_and_a_removed_replica_drains_without_failures()
    {
        await using var dns = await DnsmasqProcess.StartAsync();
        // Every replica answers 30 ms late, so that calls are in flight on the one removed below.
        await using var replicas = await StartOnOnePortAsync(5, latencyMs: 30);
        var port = replicas[0].Port;
        await dns.SetHostsAsync(ServiceName, Addresses(replicas, 3));
        await dns.SetHostsAsync(VirtualIpName, IPAddress.Parse(replicas[0].Host));
        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: ["{ServiceName}:{port}"]
              lbPolicy: round_robin
              dns:
                servers: ["{dns.EndPoint}"]
                refreshInterval: 00:00:01
            clusters:
              vip:
                addresses: ["{VirtualIpName}:{port}"]
                services: [strait.echo.v1.EchoService]
                dns:
                  servers: ["{dns.EndPoint}"]
                  refreshInterval: 00:00:01
            """);

        var three = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 30);
        Assert.Equal(["r0", "r1", "r2"], three.ByReplica.Keys.Order());
        Assert.All(three.ByReplica.Values, count => Assert.Equal(10, count));

        await dns.SetHostsAsync(ServiceName, Addresses(replicas, 5));
        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var five = await LoadBalancingGateway.SendAsync(gateway.Address, 5, 100);
        Assert.Empty(five.Failures);
        Assert.Equal(["r0", "r1", "r2", "r3", "r4"], five.ByReplica.Keys.Order());

        // Scale in under load: r4 leaves DNS while calls to it are running.
        using var stop = new CancellationTokenSource();
        var load = LoadUntilAsync(gateway.Address, 8, stop.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await dns.SetHostsAsync(ServiceName, Addresses(replicas, 4));
        await Task.Delay(TimeSpan.FromMilliseconds(2000));
        await stop.CancelAsync();
        var during = await load;
        Assert.True(during.Failures.Count == 0, during.ToString());
        Assert.True(during.Count("r4") > 0, during.ToString());

        var afterwards = await LoadBalancingGateway.SendAsync(gateway.Address, 4, 80);
        Assert.Empty(afterwards.Failures);
        Assert.Equal(0, afterwards.Count("r4"));
        Assert.Contains("endpoint " + replicas[4].Address + " (" + ServiceName + ") removed from discovery", gateway.Output, StringComparison.Ordinal);

        var clusters = (await gateway.GetClustersAsync()).GetProperty("clusters");
        Assert.Equal(4, clusters[0].GetProperty("endpoints").GetArrayLength());
        Assert.Empty(clusters[0].GetProperty("warnings").EnumerateArray());
        // The virtual-IP-like name is reported, once in the log and for as long as it lasts in the admin view.
        Assert.Equal(
            [VirtualIpName + ":" + port + " resolves to 1 endpoint: per-call balancing has nothing to spread across"],
            clusters[1].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Single(gateway.Output.Split('\n'), line => line.Contains(VirtualIpName + ":" + port + " resolves to 1 endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Srv_records_give_each_replica_its_port_and_a_standby_of_lower_priority_serves_only_once_the_others_are_gone()
    {
        // Four replicas on 127.0.0.1, each on a port of its own, which only the SRV records tell; r3 is published with
        // priority 10, a standby.
        await using var replicas = await ReplicaSet.StartAsync(4);
        string[] pods = [.. Enumerable.Range(0, 4).Select(i => $"tasks-{i}.tasks.default.svc.{DnsmasqProcess.Zone}")];
        await using var dns = await DnsmasqProcess.StartAsync(
            [.. Enumerable.Range(0, 4).Select(i => $"--srv-host={SrvName},{pods[i]},{replicas[i].Port},{(i == 3 ? 10 : 0)},10")]);
        foreach (var pod in pods)
        {
            await dns.SetHostsAsync(pod, IPAddress.Loopback);
        }

        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: ["{SrvName}"]
              lbPolicy: round_robin
              dns:
                servers: ["{dns.EndPoint}"]
                refreshInterval: 00:00:01
            """);

        var three = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 30);
        Assert.Empty(three.Failures);
        Assert.Equal(["r0", "r1", "r2"], three.ByReplica.Keys.Order());
        Assert.All(three.ByReplica.Values, count => Assert.Equal(10, count));
        var cluster = (await gateway.GetClustersAsync()).GetProperty("clusters")[0];
        Assert.Equal("srv", cluster.GetProperty("addresses")[0].GetProperty("discovery").GetString());
        Assert.Equal(
            [.. replicas.Replicas.Take(3).Select(r => $"127.0.0.1:{r.Port} tasks.default.svc.{DnsmasqProcess.Zone}:{r.Port}").Order(StringComparer.Ordinal)],
            cluster.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("address").GetString() + " " + e.GetProperty("authority").GetString()).Order(StringComparer.Ordinal));

        // A pod's address leaves DNS: its endpoint goes, the others keep their ports.
        await dns.SetHostsAsync(pods[1]);
        await WaitForEndpointsAsync(gateway, replicas, 0, 2);
        var two = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 20);
        Assert.Empty(two.Failures);
        Assert.Equal(["r0", "r2"], two.ByReplica.Keys.Order());

        // No target of priority 0 has an address left: the standby serves.
        await dns.SetHostsAsync(pods[0]);
        await dns.SetHostsAsync(pods[2]);
        await WaitForEndpointsAsync(gateway, replicas, 3);
        var standby = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 10);
        Assert.Empty(standby.Failures);
        Assert.Equal(["r3"], standby.ByReplica.Keys);
    }

    private static IPAddress[] Addresses(ReplicaSet replicas, int count) =>
        [.. replicas.Replicas.Take(count).Select(r => IPAddress.Parse(r.Host))];

    private static async Task<ReplicaSet> StartOnOnePortAsync(int count, int latencyMs)
    {
        for (var attempt = 0; ; attempt++)
        {
            var first = await ReplicaSet.StartAsync(1, configure: (_, o) => o with { Host = "127.0.0.2", Arguments = ["--latency-ms", latencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture)] });
            try
            {
                for (var i = 1; i < count; i++)
                {
                    await first.AddAsync(new BackendOptions
                    {
                        Host = "127.0.0." + (i + 2),
                        Port = first[0].Port,
                        ReplicaId = "r" + i,
                        Arguments = ["--latency-ms", latencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    });
                }

                return first;
            }
            catch (Exception)
            {
                // Another process may hold that port on one of the other addresses: try another port.
                await first.DisposeAsync();
                if (attempt == 3)
                {
                    throw;
                }
            }
        }
    }

    /// <summary>Waits until the admin view lists exactly the replicas given (by index) as endpoints not draining.</summary>
    private static async Task WaitForEndpointsAsync(GatewayProcess gateway, ReplicaSet replicas, params int[] expected)
    {
        var wanted = expected.Select(i => "127.0.0.1:" + replicas[i].Port).Order(StringComparer.Ordinal).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string[] current;
        do
        {
            await Task.Delay(100);
            current = [.. (await gateway.GetClustersAsync()).GetProperty("clusters")[0].GetProperty("endpoints").EnumerateArray()
                .Where(e => e.GetProperty("state").GetString() != "draining")
                .Select(e => e.GetProperty("address").GetString()!)
                .Order(StringComparer.Ordinal)];
        }
        while (!current.SequenceEqual(wanted) && DateTime.UtcNow < deadline);

        Assert.Equal(wanted, current);
    }

    private static async Task<CallTally> LoadUntilAsync(Uri address, int clients, CancellationToken stop)
    {
        var tally = new CallTally();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            using var http = LoadBalancingGateway.SingleConnectionClient(address);
            while (!stop.IsCancellationRequested)
            {
                using var response = await http.GetAsync(new Uri("/v1/tasks", UriKind.Relative), CancellationToken.None);
                tally.Record(response);
            }
        }));
        return tally;
    }
}
