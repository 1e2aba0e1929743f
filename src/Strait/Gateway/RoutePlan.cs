using Google.Protobuf.Reflection;
using Strait.Headers;
using Strait.Resilience;
using Strait.Routing;
using Strait.Upstream;

namespace Strait.Gateway;

/// <summary>
/// Everything a call on one route needs besides its request, resolved once when the snapshot is built: the gRPC path,
/// the cluster, the call policy, the rate limits and the header rules. A plan belongs to its snapshot and dies with
/// it; the state that outlives swaps (clusters, limiters, counters) is referenced, not copied.
/// </summary>
internal sealed class RoutePlan
{
    public RoutePlan(
        HttpRoute? route,
        MethodDescriptor method,
        string grpcPath,
        UpstreamCluster cluster,
        RouteCallPolicy call,
        EdgeRateLimit[] rateLimits,
        RouteHeaderRules? headers)
    {
        Route = route;
        Method = method;
        GrpcPath = grpcPath;
        Cluster = cluster;
        Call = call;
        RateLimits = rateLimits;
        Headers = headers;
    }

    /// <summary>The REST route; null for a call made by method (native gRPC, grpc-web), to which route claims do not apply.</summary>
    public HttpRoute? Route { get; }

    public MethodDescriptor Method { get; }

    /// <summary>The method's HTTP/2 path upstream: <c>/package.Service/Method</c>.</summary>
    public string GrpcPath { get; }

    public UpstreamCluster Cluster { get; }

    public RouteCallPolicy Call { get; }

    public EdgeRateLimit[] RateLimits { get; }

    /// <summary>The header rules narrowed to the route; null for a call made by method.</summary>
    public RouteHeaderRules? Headers { get; }
}
