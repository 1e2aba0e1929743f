using Strait.Routing;

namespace Strait.Upstream;

/// <summary>Turns the clusters' <c>services</c>, <c>methods</c> and <c>routes</c> into the cluster of each route.</summary>
internal static class ClusterSelection
{
    /// <param name="reflected">
    /// The services each reflecting named cluster reflected. Each joins its cluster's <c>services</c> unless an entry
    /// lists it (configuration wins) or an earlier cluster reflected it too (the first in configuration order wins).
    /// </param>
    /// <returns>The cluster name of every route and method a named cluster claims; those not listed go to the default cluster.</returns>
    public static RouteClaimResolution Resolve(
        IReadOnlyDictionary<string, ClusterOptions> named,
        RouteTable routes,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? reflected,
        List<string> errors)
    {
        var taken = new HashSet<string>(named.Values.SelectMany(c => c.Services), StringComparer.Ordinal);
        var entries = new List<KeyValuePair<string, RouteClaimLists>>();
        foreach (var (name, options) in named)
        {
            IReadOnlyList<string> services = options.Services;
            if (reflected is not null && reflected.TryGetValue(name, out var found))
            {
                services = [.. options.Services, .. found.Where(taken.Add)];
            }

            entries.Add(KeyValuePair.Create(name, new RouteClaimLists(services, options.Methods, options.Routes)));
        }

        return RouteClaims.Resolve(entries, routes, "clusters", "served by cluster", errors);
    }
}
