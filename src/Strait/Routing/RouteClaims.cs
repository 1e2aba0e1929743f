using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>What one named configuration entry claims: services, methods and routes, as <c>clusters</c> and <c>resilience.policies</c> list them.</summary>
internal sealed record RouteClaimLists(IReadOnlyList<string> Services, IReadOnlyList<string> Methods, IReadOnlyList<string> Routes);

/// <summary>The entry of each claimed route, and of each claimed method (for calls that arrive without a route: native gRPC and grpc-web).</summary>
internal sealed record RouteClaimResolution(Dictionary<HttpRoute, string> ByRoute, Dictionary<MethodDescriptor, string> ByMethod)
{
    /// <summary>The name of the entry that claims <paramref name="route"/>; null when none does.</summary>
    public string? NameOf(HttpRoute route) => ByRoute.GetValueOrDefault(route);

    /// <summary>The name of the entry that claims <paramref name="method"/> for calls made by method; null when none does.</summary>
    public string? NameOf(MethodDescriptor method) => ByMethod.GetValueOrDefault(method);
}

/// <summary>
/// Resolves named entries' claims to the entry of each route: its route's claim (<c>VERB TEMPLATE</c>), else its
/// method's (<c>package.Service.Method</c>), else its service's (<c>package.Service</c>). A method's entry is its method's
/// claim, else its service's: route claims are REST's alone. A name the schema lacks, or one claimed by two entries, is an
/// error under the entry's key.
/// </summary>
internal static class RouteClaims
{
    /// <summary>The text a <c>routes</c> entry uses for a route: <c>GET /v1/{name=tasks/*}</c>.</summary>
    public static string RouteKey(HttpRoute route) => route.HttpMethod + " " + route.Template;

    /// <param name="keyPrefix">Errors are reported as <c>{keyPrefix}.{name}.services[i]</c>.</param>
    /// <param name="owner">What an entry is, for "already … by" errors: <c>served by cluster</c>.</param>
    /// <returns>The claiming entry's name of every claimed route and method.</returns>
    public static RouteClaimResolution Resolve(
        IEnumerable<KeyValuePair<string, RouteClaimLists>> named,
        RouteTable routes,
        string keyPrefix,
        string owner,
        List<string> errors)
    {
        var services = new HashSet<string>(StringComparer.Ordinal);
        var methods = new HashSet<string>(StringComparer.Ordinal);
        var routeKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in routes.Methods)
        {
            services.Add(method.Service.FullName);
            methods.Add(method.FullName);
        }

        foreach (var route in routes.Routes)
        {
            routeKeys.Add(RouteKey(route));
        }

        var entries = named.ToList();
        var byService = Claims(entries, c => c.Services, "services", services, "service (package.Service)");
        var byMethod = Claims(entries, c => c.Methods, "methods", methods, "method (package.Service.Method)");
        var byRoute = Claims(entries, c => c.Routes, "routes", routeKeys, "route (VERB TEMPLATE, as strait routes prints it)");

        var result = new Dictionary<HttpRoute, string>();
        foreach (var route in routes.Routes)
        {
            if (byRoute.TryGetValue(RouteKey(route), out var name)
                || byMethod.TryGetValue(route.Method.FullName, out name)
                || byService.TryGetValue(route.Method.Service.FullName, out name))
            {
                result[route] = name;
            }
        }

        var byMethodDescriptor = new Dictionary<MethodDescriptor, string>();
        foreach (var method in routes.Methods)
        {
            if (byMethod.TryGetValue(method.FullName, out var name) || byService.TryGetValue(method.Service.FullName, out name))
            {
                byMethodDescriptor[method] = name;
            }
        }

        return new RouteClaimResolution(result, byMethodDescriptor);

        Dictionary<string, string> Claims(
            List<KeyValuePair<string, RouteClaimLists>> all,
            Func<RouteClaimLists, IReadOnlyList<string>> list,
            string key,
            HashSet<string> known,
            string what)
        {
            var claims = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, lists) in all)
            {
                var items = list(lists);
                for (var i = 0; i < items.Count; i++)
                {
                    var item = items[i].Trim();
                    if (!known.Contains(item))
                    {
                        errors.Add($"{keyPrefix}.{name}.{key}[{i}]: '{item}' names no {what} of the schema");
                    }
                    else if (!claims.TryAdd(item, name) && claims[item] != name)
                    {
                        errors.Add($"{keyPrefix}.{name}.{key}[{i}]: '{item}' is already {owner} '{claims[item]}'");
                    }
                }
            }

            return claims;
        }
    }
}
