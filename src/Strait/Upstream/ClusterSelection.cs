using Strait.Routing;

namespace Strait.Upstream;

/// <summary>Turns the clusters' <c>services</c>, <c>methods</c> and <c>routes</c> into the cluster of each route.</summary>
internal static class ClusterSelection
{
    /// <returns>The cluster name of every route and method a named cluster claims; those not listed go to the default cluster.</returns>
    public static RouteClaimResolution Resolve(IReadOnlyDictionary<string, ClusterOptions> named, RouteTable routes, List<string> errors) =>
        RouteClaims.Resolve(
            named.Select(pair => KeyValuePair.Create(pair.Key, new RouteClaimLists(pair.Value.Services, pair.Value.Methods, pair.Value.Routes))),
            routes,
            "clusters",
            "served by cluster",
            errors);
}
