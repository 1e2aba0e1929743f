using System.Collections.Frozen;
using Google.Protobuf.Reflection;
using Strait.Routing;

namespace Strait.Upstream;

/// <summary>
/// Which cluster serves each route of one route table: the route's own entry (<c>routes</c>), else its method's
/// (<c>methods</c>), else its service's (<c>services</c>, or the services a reflecting cluster reflected), else the
/// default cluster (<c>backend</c>). Resolved once per route table, so a call finds its cluster with one dictionary
/// lookup; the clusters themselves belong to the <see cref="UpstreamClusterSet"/>, which outlives route tables.
/// </summary>
internal sealed class UpstreamClusters
{
    public const string DefaultClusterName = "default";

    private readonly FrozenDictionary<HttpRoute, UpstreamCluster> byRoute;
    private readonly FrozenDictionary<MethodDescriptor, UpstreamCluster> byMethod;

    private UpstreamClusters(
        UpstreamClusterSet set,
        FrozenDictionary<HttpRoute, UpstreamCluster> byRoute,
        FrozenDictionary<MethodDescriptor, UpstreamCluster> byMethod)
    {
        Set = set;
        this.byRoute = byRoute;
        this.byMethod = byMethod;
    }

    public UpstreamClusterSet Set { get; }

    public UpstreamCluster Default => Set.Default;

    /// <summary>The default cluster first, then the named ones in configuration order.</summary>
    public IReadOnlyList<UpstreamCluster> All => Set.All;

    public UpstreamCluster For(HttpRoute route) => byRoute.TryGetValue(route, out var cluster) ? cluster : Default;

    /// <summary>The cluster of a call made by method, not route (native gRPC, grpc-web): route claims do not apply.</summary>
    public UpstreamCluster For(MethodDescriptor method) => byMethod.TryGetValue(method, out var cluster) ? cluster : Default;

    /// <param name="reflected">The services each reflecting named cluster reflected; they join its <c>services</c> unless another entry lists them.</param>
    /// <returns>Null when <paramref name="errors"/> got problems.</returns>
    public static UpstreamClusters? TryResolve(
        UpstreamClusterSet set,
        RouteTable routes,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? reflected,
        List<string> errors)
    {
        var before = errors.Count;
        var selection = ClusterSelection.Resolve(set.Named, routes, reflected, errors);
        if (errors.Count > before)
        {
            return null;
        }

        var byRoute = selection.ByRoute.ToFrozenDictionary(pair => pair.Key, pair => set.Find(pair.Value));
        var byMethod = selection.ByMethod.ToFrozenDictionary(pair => pair.Key, pair => set.Find(pair.Value));
        return new UpstreamClusters(set, byRoute, byMethod);
    }
}
