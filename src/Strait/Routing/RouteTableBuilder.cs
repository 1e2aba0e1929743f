using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>
/// Collects routes (from <see cref="HttpRuleReader"/>) and the methods the gateway serves, then builds a
/// <see cref="RouteTable"/>. Each <see cref="Build"/> makes a new, independent table.
/// </summary>
internal sealed class RouteTableBuilder
{
    private readonly RouteTableOptions options;
    private readonly List<HttpRoute> routes = [];
    private readonly List<MethodDescriptor> methods = [];
    private readonly HashSet<MethodDescriptor> knownMethods = [];

    public RouteTableBuilder(RouteTableOptions? options = null)
    {
        this.options = options ?? new RouteTableOptions();
    }

    public RouteTableBuilder Add(HttpRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        routes.Add(route);
        return AddMethod(route.Method);
    }

    public RouteTableBuilder AddRange(IEnumerable<HttpRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        foreach (var route in routes)
        {
            Add(route);
        }

        return this;
    }

    /// <summary>Declares a served method, so it gets a generated route even without rules of its own.</summary>
    public RouteTableBuilder AddMethod(MethodDescriptor method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (knownMethods.Add(method))
        {
            methods.Add(method);
        }

        return this;
    }

    /// <summary>
    /// Builds the table. Routes are added in the order given; a route that collides with an earlier one is left
    /// out and reported. Generated routes come last and silently give way to any route with the same key.
    /// </summary>
    public RouteTableBuildResult Build()
    {
        var root = new RouteTrieNode();
        var verbs = new HashSet<string>(StringComparer.Ordinal);
        var accepted = new List<HttpRoute>(routes.Count);
        var conflicts = new List<RouteConflict>();
        var maxSegments = 0;

        foreach (var route in routes)
        {
            if (Insert(root, route) is { } kept)
            {
                conflicts.Add(RouteConflict.Between(kept, route));
                continue;
            }

            accepted.Add(route);
            if (route.Template.Verb is { } verb)
            {
                verbs.Add(verb);
            }

            maxSegments = Math.Max(maxSegments, route.Template.Segments.Count);
        }

        if (options.GenerateMethodRoutes)
        {
            foreach (var method in methods)
            {
                var route = HttpRoute.Generated(method);
                if (Insert(root, route) is null)
                {
                    accepted.Add(route);
                    maxSegments = Math.Max(maxSegments, route.Template.Segments.Count);
                }
            }
        }

        return new RouteTableBuildResult(new RouteTable(root, accepted, methods.ToArray(), verbs, maxSegments), conflicts);
    }

    /// <summary>Adds the route to the trie; returns the route already holding its place, or null.</summary>
    private static HttpRoute? Insert(RouteTrieNode root, HttpRoute route)
    {
        var node = root;
        var endsWithRest = false;
        foreach (var segment in route.Template.Segments)
        {
            switch (segment.Kind)
            {
                case TemplateSegmentKind.Literal:
                    node = node.GetOrAddLiteral(segment.Literal);
                    break;
                case TemplateSegmentKind.SingleWildcard:
                    node = node.GetOrAddWildcard();
                    break;
                default:
                    endsWithRest = true;
                    break;
            }
        }

        return node.GetOrAddEndpoints(endsWithRest, route.Template.Verb).TryAdd(route);
    }
}
