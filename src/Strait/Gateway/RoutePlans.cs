using System.Collections.Frozen;
using Google.Protobuf.Reflection;
using Strait.Resilience;
using Strait.Routing;
using Strait.Upstream;

namespace Strait.Gateway;

/// <summary>
/// The plan of every route and every method of one route table. Each policy resolves its named entries' claims
/// through <see cref="RouteClaims"/> once here, so a call finds all it needs with one lookup.
/// </summary>
internal sealed class RoutePlans
{
    private readonly FrozenDictionary<HttpRoute, RoutePlan> byRoute;
    private readonly FrozenDictionary<MethodDescriptor, RoutePlan> byMethod;

    private RoutePlans(FrozenDictionary<HttpRoute, RoutePlan> byRoute, FrozenDictionary<MethodDescriptor, RoutePlan> byMethod, string deadlineHeader)
    {
        this.byRoute = byRoute;
        this.byMethod = byMethod;
        DeadlineHeader = deadlineHeader;
    }

    /// <summary>The header that carries a client's timeout on the REST edge (<c>resilience.deadlineHeader</c>).</summary>
    public string DeadlineHeader { get; }

    public RoutePlan For(HttpRoute route) => byRoute[route];

    /// <summary>The plan of a call made by method, not route (native gRPC, grpc-web).</summary>
    public RoutePlan For(MethodDescriptor method) => byMethod[method];

    /// <returns>Null when <paramref name="errors"/> got problems.</returns>
    public static RoutePlans? TryBuild(
        GatewayRuntime runtime,
        RouteTable routes,
        IReadOnlyDictionary<MethodDescriptor, string> grpcPaths,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? reflected,
        List<string> errors)
    {
        var before = errors.Count;
        var clusters = ClusterSelection.Resolve(runtime.Clusters.Named, routes, reflected, errors);
        var policies = CallPolicies.TryBuild(runtime.Options.Resilience, routes, errors);
        var limits = runtime.RateLimiters.Resolve(routes, errors);
        if (errors.Count > before || policies is null)
        {
            return null;
        }

        var set = runtime.Clusters;
        var byRoute = new Dictionary<HttpRoute, RoutePlan>();
        foreach (var route in routes.Routes)
        {
            var cluster = clusters.NameOf(route) is { } name ? set.Find(name) : set.Default;
            byRoute[route] = new RoutePlan(
                route, route.Method, grpcPaths[route.Method], cluster, policies.For(route), limits.For(route), runtime.Headers.Narrow(route));
        }

        var byMethod = new Dictionary<MethodDescriptor, RoutePlan>();
        foreach (var method in routes.Methods)
        {
            var cluster = clusters.NameOf(method) is { } name ? set.Find(name) : set.Default;
            byMethod[method] = new RoutePlan(null, method, grpcPaths[method], cluster, policies.For(method), limits.For(method), headers: null);
        }

        return new RoutePlans(
            byRoute.ToFrozenDictionary(),
            byMethod.ToFrozenDictionary(),
            policies.DeadlineHeader);
    }
}
