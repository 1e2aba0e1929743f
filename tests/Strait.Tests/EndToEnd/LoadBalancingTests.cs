using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The load-balancing experiment of the reference (five replicas, one client connection) and its follow-ups, on real
/// processes: the gateway, TaskService replicas on our wire layer and @grpc/grpc-js replicas.
/// </summary>
public sealed class LoadBalancingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Round_robin_spreads_calls_of_one_client_connection_evenly_over_five_replicas(bool node)
    {
        await using var replicas = await ReplicaSet.StartAsync(5, node);
        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: round_robin
            """);
        var path = node ? "/v1/echo/lb" : "/v1/tasks";

        var oneConnection = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 1, calls: 50, path);
        Assert.Empty(oneConnection.Failures);
        Assert.Equal(5, oneConnection.ByReplica.Count);
        Assert.All(oneConnection.ByReplica.Values, count => Assert.Equal(10, count));

        var tenClients = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 10, calls: 1000, path);
        Assert.Empty(tenClients.Failures);
        Assert.Equal(5, tenClients.ByReplica.Count);
        // One pick per call from a shared counter: 200 each, whatever the interleaving of the ten clients. The slack is
        // for a view rebuilt mid-run (a health change), which restarts the rotation at a random endpoint.
        Assert.True(
            tenClients.ByReplica.Values.All(count => Math.Abs(count - 200) <= 10),
            $"every replica should serve 200 of the 1000 calls: {tenClients}");
    }

    [Fact]
    public async Task Least_request_spreads_concurrent_clients_within_half_the_mean()
    {
        await using var replicas = await ReplicaSet.StartAsync(5);
        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
            """);

        var tally = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 10, calls: 1000);

        Assert.Empty(tally.Failures);
        Assert.Equal(5, tally.ByReplica.Count);
        const double Mean = 1000 / 5.0;
        Assert.True(
            tally.ByReplica.Values.All(count => Math.Abs(count - Mean) <= Mean / 2),
            $"every replica should serve {Mean} calls ± half: {tally}");
    }

    [Fact]
    public async Task Least_request_sends_less_to_a_slow_replica_than_round_robin()
    {
        // r0 answers 40 ms late; the others at once.
        await using var replicas = await ReplicaSet.StartAsync(5, configure: (i, o) => i == 0 ? o with { Arguments = ["--latency-ms", "40"] } : o);
        await using var roundRobin = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: round_robin
            """);
        await using var leastRequest = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: least_request
            """);

        var evenly = await LoadBalancingGateway.SendAsync(roundRobin.Address, clients: 10, calls: 500);
        var byLoad = await LoadBalancingGateway.SendAsync(leastRequest.Address, clients: 10, calls: 500);

        Assert.Empty(evenly.Failures);
        Assert.Empty(byLoad.Failures);
        Assert.Equal(100, evenly.Count("r0"));
        // Round robin gives the slow replica its fifth regardless; least_request sees its calls pile up.
        Assert.True(byLoad.Count("r0") < 60, $"least_request: {byLoad}; round_robin: {evenly}");
    }

    [Fact]
    public async Task Weighted_split_lands_within_three_points_and_consistent_hash_keeps_keys_on_one_replica()
    {
        await using var replicas = await ReplicaSet.StartAsync(5);
        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              endpoints:
                - address: "{replicas[0].Address}"
                  weight: 90
                - address: "{replicas[1].Address}"
                  weight: 10
              lbPolicy: weighted
            clusters:
              affinity:
                addresses: {LoadBalancingGateway.List(replicas.Addresses)}
                lbPolicy: ring_hash
                hashOn: header:x-user
                routes: ["GET /v1/tasks"]
            """);

        var weighted = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 10, calls: 2000, request: i =>
            new HttpRequestMessage(HttpMethod.Post, "/v1/tasks") { Content = new StringContent($$$"""{"task":{"title":"task {{{i}}}"}}""", System.Text.Encoding.UTF8, "application/json") });
        Assert.True(weighted.Failures.Count == 0, weighted.ToString());
        Assert.InRange(weighted.Count("r0") / 2000.0, 0.87, 0.93);
        Assert.Equal(2000, weighted.Count("r0") + weighted.Count("r1"));

        var owners = new Dictionary<string, string>();
        var hashed = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 4, calls: 200, request: i =>
        {
            var message = new HttpRequestMessage(HttpMethod.Get, "/v1/tasks");
            message.Headers.Add("x-user", "user-" + (i % 40));
            return message;
        });
        Assert.Empty(hashed.Failures);

        // The same 40 keys again, one by one: each lands where it landed the first time.
        using var http = LoadBalancingGateway.SingleConnectionClient(gateway.Address);
        for (var round = 0; round < 3; round++)
        {
            for (var user = 0; user < 40; user++)
            {
                using var message = new HttpRequestMessage(HttpMethod.Get, "/v1/tasks");
                message.Headers.Add("x-user", "user-" + user);
                using var response = await http.SendAsync(message);
                var replica = response.Headers.GetValues("X-Replica-Id").Single();
                Assert.Equal(owners.TryAdd("user-" + user, replica) ? replica : owners["user-" + user], replica);
            }
        }

        Assert.True(owners.Values.Distinct().Count() >= 3, string.Join(", ", owners));
    }

    [Fact]
    public async Task Several_clusters_serve_their_own_services()
    {
        await using var tasks = await ReplicaSet.StartAsync(2);
        await using var echoes = await ReplicaSet.StartAsync(2, node: true);
        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(tasks.Addresses)}
              lbPolicy: round_robin
            clusters:
              echo:
                addresses: {LoadBalancingGateway.List(echoes.Addresses)}
                lbPolicy: round_robin
                services: [strait.echo.v1.EchoService]
            """);

        var listed = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 10, "/v1/tasks");
        var echoed = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 10, "/v1/echo/x");

        Assert.Empty(listed.Failures);
        Assert.Empty(echoed.Failures);
        Assert.Equal(5, listed.Count(tasks[0].ReplicaId));
        Assert.Equal(5, echoed.Count(echoes[1].ReplicaId));
        var clusters = (await gateway.GetClustersAsync()).GetProperty("clusters");
        Assert.Equal(["default", "echo"], clusters.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var echoEndpoints = clusters[1].GetProperty("endpoints");
        Assert.Equal(2, echoEndpoints.GetArrayLength());
        Assert.All(echoEndpoints.EnumerateArray(), e => Assert.Equal(5, e.GetProperty("requests").GetProperty("OK").GetInt32()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_not_serving_replica_leaves_rotation_within_one_check_interval_and_returns_when_serving(bool node)
    {
        await using var replicas = await ReplicaSet.StartAsync(3, node);
        var path = node ? "/v1/echo/health" : "/v1/tasks";
        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: round_robin
              healthCheck:
                enabled: true
                interval: 00:00:00.500
            """);
        await WaitForStateAsync(gateway, replicas[0], "healthy");

        await replicas[0].SetHealthAsync(serving: false);
        // One interval for the next check, a little more for the check itself.
        await Task.Delay(TimeSpan.FromMilliseconds(800));
        var whileDown = await LoadBalancingGateway.SendAsync(gateway.Address, 2, 60, path);
        Assert.Empty(whileDown.Failures);
        Assert.Equal(0, whileDown.Count("r0"));
        Assert.Equal("unhealthy", await EndpointStateAsync(gateway, replicas[0]));

        await replicas[0].SetHealthAsync(serving: true);
        await Task.Delay(TimeSpan.FromMilliseconds(800));
        var back = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 30, path);
        Assert.Equal(10, back.Count("r0"));
    }

    [Fact]
    public async Task A_killed_replica_is_ejected_and_its_calls_are_sent_elsewhere_unseen_by_clients()
    {
        await using var replicas = await ReplicaSet.StartAsync(5);
        await using var gateway = await LoadBalancingGateway.StartAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: round_robin
              outlierDetection:
                consecutiveErrors: 5
            """);
        var before = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 25);
        Assert.Empty(before.Failures);

        await replicas.KillAsync(2);
        var after = await LoadBalancingGateway.SendAsync(gateway.Address, 1, 200);

        // Connections to the dead replica are refused, so those calls never left the gateway and go elsewhere at once;
        // the refusals still count against it, and it is ejected after five.
        Assert.Empty(after.Failures);
        Assert.Equal(0, after.Count("r2"));
        Assert.Equal(200, after.ByReplica.Values.Sum());
        Assert.Equal("ejected", await EndpointStateAsync(gateway, replicas[2]));
    }

    private static async Task WaitForStateAsync(GatewayProcess gateway, BackendProcess replica, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await EndpointStateAsync(gateway, replica) != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{replica.Address} never became {state}: {await gateway.GetClustersAsync()}");
            await Task.Delay(50);
        }
    }

    internal static async Task<string?> EndpointStateAsync(GatewayProcess gateway, BackendProcess replica)
    {
        var clusters = await gateway.GetClustersAsync();
        foreach (var cluster in clusters.GetProperty("clusters").EnumerateArray())
        {
            foreach (var endpoint in cluster.GetProperty("endpoints").EnumerateArray())
            {
                if (endpoint.GetProperty("address").GetString() == replica.Address)
                {
                    return endpoint.GetProperty("state").GetString();
                }
            }
        }

        return null;
    }

    internal static JsonElement FindEndpoint(JsonElement clusters, string address) =>
        clusters.GetProperty("clusters").EnumerateArray().SelectMany(c => c.GetProperty("endpoints").EnumerateArray())
            .Single(e => e.GetProperty("address").GetString() == address);
}
