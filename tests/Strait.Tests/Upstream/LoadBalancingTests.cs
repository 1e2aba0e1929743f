using Strait.Upstream;
using Strait.Upstream.Balancing;
using Strait.Wire;

namespace Strait.Tests.Upstream;

public sealed class LoadBalancingTests
{
    // FNV-1a 64 of "a" (0xAF63DC4C8601EC8C) through SplitMix64's finalizer, computed independently.
    private const ulong GoldenHashOfA = 0x2C0BDBF481420F8;

    [Fact]
    public async Task Round_robin_gives_every_endpoint_the_same_share()
    {
        await using var cluster = TestClusters.Create(TestClusters.Options(5));

        var counts = TestClusters.Spread(cluster, 50);

        Assert.Equal(5, counts.Count);
        Assert.All(counts.Values, count => Assert.Equal(10, count));
    }

    [Theory]
    [InlineData(90, 10, 2000)]
    [InlineData(1, 3, 400)]
    [InlineData(99, 1, 1000)]
    public async Task Weighted_shares_follow_the_weights_closely(int heavy, int light, int calls)
    {
        var options = new ClusterOptions
        {
            LbPolicy = "weighted",
            Endpoints = [new EndpointOptions { Address = "127.0.0.1:1", Weight = heavy }, new EndpointOptions { Address = "127.0.0.1:2", Weight = light }],
        };
        await using var cluster = TestClusters.Create(options);

        var counts = TestClusters.Spread(cluster, calls);

        // The golden-ratio sequence keeps every prefix within a handful of calls of the exact share.
        var expected = (double)calls * heavy / (heavy + light);
        Assert.InRange(counts.GetValueOrDefault(1), expected - 3, expected + 3);
    }

    [Fact]
    public async Task Weighted_calls_are_interleaved_not_bunched()
    {
        var options = new ClusterOptions
        {
            LbPolicy = "weighted",
            Endpoints = [new EndpointOptions { Address = "127.0.0.1:1", Weight = 50 }, new EndpointOptions { Address = "127.0.0.1:2", Weight = 50 }],
        };
        await using var cluster = TestClusters.Create(options);

        // Every window of 10 consecutive calls is close to 5/5, unlike a schedule that sends 50 in a row to one.
        for (var window = 0; window < 10; window++)
        {
            var counts = TestClusters.Spread(cluster, 10);
            Assert.InRange(counts.GetValueOrDefault(1), 3, 7);
        }
    }

    [Fact]
    public async Task Ring_hash_keeps_a_key_on_one_endpoint_and_spreads_keys()
    {
        var options = TestClusters.Options(5, "ring_hash");
        options.HashOn = "header:x-user";
        await using var cluster = TestClusters.Create(options);

        var owners = new Dictionary<string, int>();
        for (var round = 0; round < 5; round++)
        {
            for (var user = 0; user < 200; user++)
            {
                var key = "user-" + user;
                var lease = cluster.TryPick(AffinityHash.Of(key))!.Value;
                lease.Complete(GrpcStatus.Ok);
                var port = lease.Endpoint.Key.Address.Port;
                Assert.Equal(owners.TryAdd(key, port) ? port : owners[key], port);
            }
        }

        var perEndpoint = owners.Values.GroupBy(p => p).Select(g => g.Count()).ToList();
        Assert.Equal(5, perEndpoint.Count);
        Assert.All(perEndpoint, count => Assert.InRange(count, 20, 70));
    }

    [Fact]
    public void Ring_hash_moves_only_the_removed_endpoints_keys()
    {
        using var five = new EndpointFixture(5);
        var before = new RingHashPicker(five.Endpoints);
        var after = new RingHashPicker(five.Endpoints[..4]);

        var moved = 0;
        for (var user = 0; user < 1000; user++)
        {
            var hash = AffinityHash.Of("user-" + user);
            var owner = before.Pick(hash);
            if (owner != five.Endpoints[4])
            {
                moved += owner == after.Pick(hash) ? 0 : 1;
            }
        }

        Assert.Equal(0, moved);
    }

    [Fact]
    public void Affinity_hash_is_stable_across_processes()
    {
        // Fixed values: every Strait replica (and every version) must send a key to the same ring point.
        Assert.Equal(AffinityHash.Of("user-1"), AffinityHash.Of("user-1"u8));
        Assert.NotEqual(AffinityHash.Of("user-1"), AffinityHash.Of("user-2"));
        Assert.Equal(GoldenHashOfA, AffinityHash.Of("a"));
        Assert.Equal(AffinityHash.Of(new string('é', 300)), AffinityHash.Of(System.Text.Encoding.UTF8.GetBytes(new string('é', 300))));
    }

    [Fact]
    public void Least_request_prefers_the_endpoint_with_fewer_calls_in_flight()
    {
        using var pair = new EndpointFixture(2);
        var busy = pair.Endpoints[0];
        for (var i = 0; i < 10; i++)
        {
            Assert.True(busy.TryAcquire());
        }

        var picker = new LeastRequestPicker(pair.Endpoints);
        for (var i = 0; i < 100; i++)
        {
            Assert.Same(pair.Endpoints[1], picker.Pick(null));
        }
    }

    [Fact]
    public async Task Pick_first_sticks_to_the_first_endpoint_until_it_is_ejected()
    {
        var options = TestClusters.Options(3, "pick_first");
        await using var cluster = TestClusters.Create(options);

        Assert.Equal(new Dictionary<int, int> { [1] = 20 }, TestClusters.Spread(cluster, 20));
        Assert.True(cluster.TryEject(TestClusters.EndpointOn(cluster, 1), () => "test"));
        Assert.Equal(new Dictionary<int, int> { [2] = 20 }, TestClusters.Spread(cluster, 20));
    }

    [Fact]
    public async Task Pick_first_follows_configuration_order_when_a_dns_name_comes_first()
    {
        var resolver = new TableResolver();
        resolver.Set("primary.internal", "127.0.0.5");
        var options = new ClusterOptions { LbPolicy = "pick_first", Addresses = ["primary.internal:7", "127.0.0.1:8"] };
        await using var cluster = TestClusters.Create(options, resolver: resolver);
        await cluster.StartAsync(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);

        var lease = cluster.TryPick(null)!.Value;
        lease.Complete(GrpcStatus.Ok);
        Assert.Equal("127.0.0.5:7 (primary.internal)", lease.Endpoint.Key.ToString());
        Assert.Equal(["127.0.0.5:7 (primary.internal)", "127.0.0.1:8"], cluster.Endpoints.Select(e => e.Key.ToString()));
    }

    [Fact]
    public async Task An_srv_name_gives_each_endpoint_its_port_and_the_service_name_as_authority()
    {
        var resolver = new TableResolver();
        resolver.SetService("_grpc._tcp.tasks.internal", "127.0.0.5:7001", "127.0.0.6:7002");
        var options = new ClusterOptions { LbPolicy = "pick_first", Addresses = ["https://_grpc._tcp.tasks.internal", "127.0.0.1:8"] };
        await using var cluster = TestClusters.Create(options, resolver: resolver);
        await cluster.StartAsync(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);

        Assert.Equal(["127.0.0.5:7001 (tasks.internal)", "127.0.0.6:7002 (tasks.internal)", "127.0.0.1:8"], cluster.Endpoints.Select(e => e.Key.ToString()));
        Assert.Equal(["https://tasks.internal:7001/", "https://tasks.internal:7002/", "http://127.0.0.1:8/"], cluster.Endpoints.Select(e => e.Key.Address.ToString()));
    }

    [Fact]
    public async Task A_dns_name_that_drops_an_address_drains_it_and_keeps_the_order_of_the_others()
    {
        var resolver = new TableResolver();
        resolver.Set("tasks.internal", "127.0.0.2", "127.0.0.3", "127.0.0.4");
        var options = new ClusterOptions { LbPolicy = "round_robin", Addresses = ["tasks.internal:7"] };
        options.Dns.RefreshInterval = TimeSpan.FromMilliseconds(50);
        await using var cluster = TestClusters.Create(options, resolver: resolver);
        await cluster.StartAsync(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        var busy = cluster.Endpoints.Single(e => e.Key.Dial!.Address.ToString() == "127.0.0.3");
        Assert.True(busy.TryAcquire());

        resolver.Set("tasks.internal", "127.0.0.9", "127.0.0.4", "127.0.0.2");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (cluster.Endpoints.Count(e => !e.IsDraining) != 3 || !busy.IsDraining)
        {
            Assert.True(DateTime.UtcNow < deadline, "the new answer was never applied");
            await Task.Delay(20);
        }

        Assert.Equal(["127.0.0.2", "127.0.0.4", "127.0.0.9"], cluster.Endpoints.Where(e => !e.IsDraining).Select(e => e.Key.Dial!.Address.ToString()));
        for (var i = 0; i < 30; i++)
        {
            var lease = cluster.TryPick(null)!.Value;
            Assert.NotSame(busy, lease.Endpoint);
            lease.Complete(GrpcStatus.Ok);
        }

        Assert.False(busy.IsClosed);
        cluster.Complete(busy, GrpcStatus.Ok);
        Assert.True(busy.IsClosed);
        Assert.DoesNotContain(busy, cluster.Endpoints);
    }

    [Fact]
    public async Task Random_reaches_every_endpoint()
    {
        await using var cluster = TestClusters.Create(TestClusters.Options(5, "random"));
        Assert.Equal(5, TestClusters.Spread(cluster, 500).Count);
    }

    [Theory]
    [InlineData("fastest", null, "lbPolicy")]
    [InlineData("ring_hash", null, "hashOn")]
    [InlineData("ring_hash", "metadata:trace-bin", "hashOn")]
    [InlineData("ring_hash", "cookie:session", "hashOn")]
    [InlineData("round_robin", "header:x-user", "hashOn")]
    public void Bad_policies_are_configuration_errors(string policy, string? hashOn, string key)
    {
        var errors = new List<string>();
        var options = TestClusters.Options(1, policy);
        options.HashOn = hashOn;
        Assert.Null(ClusterSettings.TryCreate("c", "clusters.c", options, errors));
        Assert.Contains(errors, e => e.StartsWith("clusters.c." + key + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void A_duplicate_address_or_an_unreadable_ca_is_a_configuration_error()
    {
        var garbage = Path.GetTempFileName();
        try
        {
            File.WriteAllText(garbage, "not a certificate");
            var errors = new List<string>();
            var options = new ClusterOptions { Addresses = ["127.0.0.1:1", "http://127.0.0.1:1"], CaCertificate = garbage };
            Assert.Null(ClusterSettings.TryCreate("c", "clusters.c", options, errors));
            Assert.Contains("clusters.c.addresses[1]: 'http://127.0.0.1:1' is listed twice", errors);
            Assert.Contains(errors, e => e.StartsWith("clusters.c.caCertificate:", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(garbage);
        }
    }

    /// <summary>Bare endpoints for the pickers, which need no cluster.</summary>
    private sealed class EndpointFixture : IDisposable
    {
        public EndpointFixture(int count)
        {
            Endpoints = new UpstreamEndpoint[count];
            for (var i = 0; i < count; i++)
            {
                var address = new Uri($"http://127.0.0.1:{i + 1}");
                Endpoints[i] = new UpstreamEndpoint(new EndpointKey(address, null), 1, new GrpcClient(address), EndpointHealth.Healthy);
            }
        }

        public UpstreamEndpoint[] Endpoints { get; }

        public void Dispose()
        {
            foreach (var endpoint in Endpoints)
            {
                endpoint.Client.Dispose();
            }
        }
    }
}
