using Strait.Routing;

namespace Strait.Upstream;

/// <summary>Turns the clusters' <c>services</c>, <c>methods</c> and <c>routes</c> into the cluster of each route.</summary>
internal static class ClusterSelection
{
    /// <returns>The cluster name of every route a named cluster claims; routes not listed go to the default cluster.</returns>
    public static Dictionary<HttpRoute, string> Resolve(IReadOnlyDictionary<string, ClusterOptions> named, RouteTable routes, List<string> errors)
    {
        var services = new HashSet<string>(StringComparer.Ordinal);
        var methods = new HashSet<string>(StringComparer.Ordinal);
        var routeKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in routes.Routes)
        {
            services.Add(route.Method.Service.FullName);
            methods.Add(route.Method.FullName);
            routeKeys.Add(UpstreamClusters.RouteKey(route));
        }

        var byService = Claims(named, o => o.Services, "services", services, "service (package.Service)", errors);
        var byMethod = Claims(named, o => o.Methods, "methods", methods, "method (package.Service.Method)", errors);
        var byRoute = Claims(named, o => o.Routes, "routes", routeKeys, "route (VERB TEMPLATE, as strait routes prints it)", errors);

        var result = new Dictionary<HttpRoute, string>();
        foreach (var route in routes.Routes)
        {
            if (byRoute.TryGetValue(UpstreamClusters.RouteKey(route), out var cluster)
                || byMethod.TryGetValue(route.Method.FullName, out cluster)
                || byService.TryGetValue(route.Method.Service.FullName, out cluster))
            {
                result[route] = cluster;
            }
        }

        return result;
    }

    private static Dictionary<string, string> Claims(
        IReadOnlyDictionary<string, ClusterOptions> named,
        Func<ClusterOptions, List<string>> list,
        string key,
        HashSet<string> known,
        string what,
        List<string> errors)
    {
        var claims = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, options) in named)
        {
            var entries = list(options);
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i].Trim();
                if (!known.Contains(entry))
                {
                    errors.Add($"clusters.{name}.{key}[{i}]: '{entry}' names no {what} of the schema");
                }
                else if (!claims.TryAdd(entry, name) && claims[entry] != name)
                {
                    errors.Add($"clusters.{name}.{key}[{i}]: '{entry}' is already served by cluster '{claims[entry]}'");
                }
            }
        }

        return claims;
    }
}
