using System.Collections.Frozen;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Logging;
using Strait.Routing;

namespace Strait.Upstream;

/// <summary>
/// Every cluster of a configuration, and which one serves each route: the route's own entry (<c>routes</c>), else its
/// method's (<c>methods</c>), else its service's (<c>services</c>), else the default cluster (<c>backend</c>).
/// Resolved once per route table, so a call finds its cluster with one dictionary lookup.
/// </summary>
public sealed class UpstreamClusters : IAsyncDisposable
{
    public const string DefaultClusterName = "default";

    private readonly FrozenDictionary<HttpRoute, UpstreamCluster> byRoute;
    private readonly FrozenDictionary<MethodDescriptor, UpstreamCluster> byMethod;

    private UpstreamClusters(
        UpstreamCluster defaultCluster,
        IReadOnlyList<UpstreamCluster> all,
        FrozenDictionary<HttpRoute, UpstreamCluster> byRoute,
        FrozenDictionary<MethodDescriptor, UpstreamCluster> byMethod)
    {
        Default = defaultCluster;
        All = all;
        this.byRoute = byRoute;
        this.byMethod = byMethod;
    }

    public UpstreamCluster Default { get; }

    /// <summary>The default cluster first, then the named ones in configuration order.</summary>
    public IReadOnlyList<UpstreamCluster> All { get; }

    public UpstreamCluster For(HttpRoute route) => byRoute.TryGetValue(route, out var cluster) ? cluster : Default;

    /// <summary>The cluster of a call made by method, not route (native gRPC, grpc-web): route claims do not apply.</summary>
    public UpstreamCluster For(MethodDescriptor method) => byMethod.TryGetValue(method, out var cluster) ? cluster : Default;

    /// <summary>Builds the clusters (no I/O: DNS and health checks start with <see cref="StartAsync"/>).</summary>
    /// <param name="requireDefaultEndpoints">Whether the default cluster must have addresses (not for <c>strait routes</c>).</param>
    /// <returns>Null when <paramref name="errors"/> got problems.</returns>
    public static UpstreamClusters? TryBuild(
        ClusterOptions backend,
        IReadOnlyDictionary<string, ClusterOptions> named,
        RouteTable routes,
        bool requireDefaultEndpoints,
        List<string> errors,
        TimeProvider? time = null)
    {
        var before = errors.Count;
        if (backend.Services.Count > 0 || backend.Methods.Count > 0 || backend.Routes.Count > 0)
        {
            errors.Add("backend: the default cluster serves whatever no other cluster claims; services, methods and routes belong on clusters.NAME");
        }

        if (requireDefaultEndpoints && backend.Addresses.Count == 0 && backend.Endpoints.Count == 0)
        {
            errors.Add("backend: no endpoints: give --backend HOST:PORT (backend.addresses)");
        }

        var settings = new List<ClusterSettings>();
        if (ClusterSettings.TryCreate(DefaultClusterName, "backend", backend, errors) is { } defaultSettings)
        {
            settings.Add(defaultSettings);
        }

        foreach (var (name, options) in named)
        {
            var key = "clusters." + name;
            if (string.Equals(name, DefaultClusterName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}: the name '{DefaultClusterName}' is the backend section's; pick another");
                continue;
            }

            if (options.Addresses.Count == 0 && options.Endpoints.Count == 0)
            {
                errors.Add($"{key}: no endpoints: give addresses or endpoints");
            }

            if (options.Services.Count == 0 && options.Methods.Count == 0 && options.Routes.Count == 0)
            {
                errors.Add($"{key}: serves nothing: give services, methods or routes");
            }

            if (ClusterSettings.TryCreate(name, key, options, errors) is { } clusterSettings)
            {
                settings.Add(clusterSettings);
            }
        }

        var selection = ClusterSelection.Resolve(named, routes, errors);
        if (errors.Count > before)
        {
            return null;
        }

        var clusters = new List<UpstreamCluster>(settings.Count);
        foreach (var clusterSettings in settings)
        {
            clusters.Add(new UpstreamCluster(clusterSettings, time));
        }

        var byName = clusters.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var byRoute = selection.ByRoute.ToFrozenDictionary(pair => pair.Key, pair => byName[pair.Value]);
        var byMethod = selection.ByMethod.ToFrozenDictionary(pair => pair.Key, pair => byName[pair.Value]);
        return new UpstreamClusters(clusters[0], clusters, byRoute, byMethod);
    }

    public async Task StartAsync(ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var starts = new Task[All.Count];
        for (var i = 0; i < All.Count; i++)
        {
            starts[i] = All[i].StartAsync(loggers.CreateLogger("Strait.Upstream." + All[i].Name), cancellationToken);
        }

        await Task.WhenAll(starts).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in All)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
