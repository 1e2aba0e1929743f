using Strait.Upstream;
using Strait.Wire;

namespace Strait.Tests.Support;

/// <summary>Clusters over unreachable loopback ports: picking and outcome reporting need no connection.</summary>
internal static class TestClusters
{
    public static readonly GrpcStatus Unavailable = new(GrpcStatusCode.Unavailable, "down", origin: StatusOrigin.Transport);

    public static ClusterOptions Options(int endpoints, string policy = "round_robin")
    {
        var options = new ClusterOptions { LbPolicy = policy };
        for (var i = 0; i < endpoints; i++)
        {
            options.Addresses.Add($"127.0.0.1:{1 + i}");
        }

        return options;
    }

    public static UpstreamCluster Create(ClusterOptions options, TimeProvider? time = null, Strait.Upstream.Dns.IDnsResolver? resolver = null)
    {
        var errors = new List<string>();
        var settings = ClusterSettings.TryCreate("test", "clusters.test", options, errors, resolver is null ? null : (_, _) => resolver);
        Assert.True(settings is not null, string.Join("; ", errors));
        return new UpstreamCluster(settings, time);
    }

    /// <summary>Picks and completes <paramref name="calls"/> calls; returns how many landed on each port.</summary>
    public static Dictionary<int, int> Spread(UpstreamCluster cluster, int calls, Func<int, ulong?>? affinity = null, GrpcStatus? outcome = null)
    {
        var counts = new Dictionary<int, int>();
        for (var i = 0; i < calls; i++)
        {
            var lease = cluster.TryPick(affinity?.Invoke(i)) ?? throw new InvalidOperationException("no endpoint");
            var port = lease.Endpoint.Key.Address.Port;
            counts[port] = counts.GetValueOrDefault(port) + 1;
            lease.Complete(outcome ?? GrpcStatus.Ok);
        }

        return counts;
    }

    public static UpstreamEndpoint EndpointOn(UpstreamCluster cluster, int port) =>
        cluster.Endpoints.Single(e => e.Key.Address.Port == port);
}

/// <summary>A resolver that answers from tables the test fills.</summary>
internal sealed class TableResolver : Strait.Upstream.Dns.IDnsResolver
{
    private readonly Dictionary<string, System.Net.IPAddress[]> table = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, System.Net.IPEndPoint[]> services = new(StringComparer.OrdinalIgnoreCase);

    public void Set(string host, params string[] addresses) => table[host] = [.. addresses.Select(System.Net.IPAddress.Parse)];

    /// <summary>What the SRV name resolves to: <c>IP:PORT</c> each.</summary>
    public void SetService(string name, params string[] endPoints) => services[name] = [.. endPoints.Select(System.Net.IPEndPoint.Parse)];

    public Task<IReadOnlyList<System.Net.IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<System.Net.IPAddress>>(table.TryGetValue(host, out var found) ? found : []);

    public Task<IReadOnlyList<System.Net.IPEndPoint>> ResolveServiceAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<System.Net.IPEndPoint>>(services.TryGetValue(name, out var found) ? found : []);
}
