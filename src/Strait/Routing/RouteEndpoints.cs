namespace Strait.Routing;

/// <summary>The routes that share one trie position and verb: at most one per HTTP method.</summary>
internal sealed class RouteEndpoints
{
    private const string AnyMethod = "*";

    private readonly List<HttpRoute> routes = new(1);

    /// <summary>Adds the route unless its HTTP method is taken; returns the route holding it, or null.</summary>
    public HttpRoute? TryAdd(HttpRoute route)
    {
        foreach (var existing in routes)
        {
            if (existing.HttpMethod == route.HttpMethod)
            {
                return existing;
            }
        }

        routes.Add(route);
        return null;
    }

    // A scan, but over one entry per HTTP method bound to this exact shape: a handful at most.
    public HttpRoute? Find(string httpMethod)
    {
        HttpRoute? anyMethod = null;
        foreach (var route in routes)
        {
            if (string.Equals(route.HttpMethod, httpMethod, StringComparison.Ordinal))
            {
                return route;
            }

            if (route.HttpMethod == AnyMethod)
            {
                anyMethod = route;
            }
        }

        return anyMethod;
    }

    public void AddMethodsTo(List<string> methods)
    {
        foreach (var route in routes)
        {
            if (!methods.Contains(route.HttpMethod))
            {
                methods.Add(route.HttpMethod);
            }
        }
    }
}
