using Strait.Upstream;
using Strait.Wire;

namespace Strait.Tests.Upstream;

public sealed class ClusterStateTests
{
    [Fact]
    public async Task Endpoints_start_unknown_under_active_health_and_the_cluster_panics_until_one_is_healthy()
    {
        var options = TestClusters.Options(3);
        options.HealthCheck.Enabled = true;
        await using var cluster = TestClusters.Create(options);

        Assert.All(cluster.Endpoints, e => Assert.Equal(EndpointHealth.Unknown, e.Health));
        Assert.True(cluster.IsInPanic);
        Assert.Equal(3, cluster.UsableCount);
    }

    [Fact]
    public async Task Endpoints_are_healthy_from_the_start_without_active_health()
    {
        await using var cluster = TestClusters.Create(TestClusters.Options(3));
        Assert.All(cluster.Endpoints, e => Assert.Equal(EndpointHealth.Healthy, e.Health));
        Assert.False(cluster.IsInPanic);
    }

    [Fact]
    public async Task Panic_threshold_sends_calls_everywhere_when_too_few_are_healthy()
    {
        var options = TestClusters.Options(4);
        options.PanicThreshold = 60;
        options.OutlierDetection.MaxEjectionPercent = 100;
        await using var cluster = TestClusters.Create(options);

        Assert.True(cluster.TryEject(TestClusters.EndpointOn(cluster, 1), () => "test"));
        Assert.False(cluster.IsInPanic);
        Assert.Equal(3, cluster.UsableCount);
        Assert.True(cluster.TryEject(TestClusters.EndpointOn(cluster, 2), () => "test"));
        Assert.True(cluster.IsInPanic);
        Assert.Equal(4, cluster.UsableCount);
    }

    [Fact]
    public async Task An_empty_cluster_picks_nothing()
    {
        await using var cluster = TestClusters.Create(new ClusterOptions());
        Assert.Null(cluster.TryPick(null));
    }

    [Fact]
    public async Task A_closed_endpoint_refuses_new_calls()
    {
        await using var cluster = TestClusters.Create(TestClusters.Options(1));
        var endpoint = cluster.Endpoints[0];
        Assert.True(endpoint.TryAcquire());
        Assert.False(endpoint.TryClose(force: false));
        cluster.Complete(endpoint, GrpcStatus.Ok);
        Assert.True(endpoint.TryClose(force: false));
        Assert.False(endpoint.TryAcquire());
        Assert.Null(cluster.TryPick(null));
    }

    [Fact]
    public async Task Calls_in_flight_and_calls_by_status_are_counted()
    {
        await using var cluster = TestClusters.Create(TestClusters.Options(1));
        var first = cluster.TryPick(null)!.Value;
        var second = cluster.TryPick(null)!.Value;
        Assert.Equal(2, first.Endpoint.InFlight);
        first.Complete(GrpcStatus.Ok);
        second.Complete(new GrpcStatus(GrpcStatusCode.NotFound, "no"));
        Assert.Equal(0, first.Endpoint.InFlight);
        Assert.Equal(1, first.Endpoint.CallsWith(GrpcStatusCode.Ok));
        Assert.Equal(1, first.Endpoint.CallsWith(GrpcStatusCode.NotFound));
    }

    [Fact]
    public async Task Clusters_select_routes_by_route_then_method_then_service()
    {
        var routes = RoutingFixtures.TodoTable();
        var clusters = new Dictionary<string, ClusterOptions>
        {
            ["reads"] = new() { Addresses = ["127.0.0.1:2"], Methods = ["strait.tests.routing.TodoService.GetTodo"] },
            ["batch"] = new() { Addresses = ["127.0.0.1:3"], Routes = ["POST /v1/tasks:batchCreate"] },
        };
        var errors = new List<string>();
        await using var set = CreateSet(TestClusters.Options(1), clusters, errors);
        var upstream = set is null ? null : ClusterOfRoute(set, routes, reflected: null, errors);
        Assert.True(upstream is not null, string.Join("; ", errors));

        string ClusterOf(string method) => upstream(routes.Routes.First(r => r.Method.Name == method && r.Source != Strait.Routing.RouteSource.Generated));
        Assert.Equal("reads", ClusterOf("GetTodo"));
        Assert.Equal("batch", ClusterOf("BatchCreateTodos"));
        Assert.Equal("default", ClusterOf("ListTodos"));
    }

    [Fact]
    public void Cluster_mistakes_are_configuration_errors()
    {
        var clusters = new Dictionary<string, ClusterOptions>
        {
            ["c"] = new() { Addresses = ["127.0.0.1:3"] },
            ["default"] = new() { Addresses = ["127.0.0.1:3"], Methods = ["strait.tests.routing.TodoService.GetTodo"] },
        };
        var errors = new List<string>();
        Assert.Null(ClustersValidator.Validate(new ClusterOptions(), clusters, true, errors));
        Assert.Contains("backend: no endpoints: give --backend HOST:PORT (backend.addresses)", errors);
        Assert.Contains("clusters.c: serves nothing: give services, methods or routes, or set reflection: true", errors);
        Assert.Contains(errors, e => e.StartsWith("clusters.default:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Claims_the_schema_lacks_or_two_clusters_make_are_configuration_errors()
    {
        var routes = RoutingFixtures.TodoTable();
        var clusters = new Dictionary<string, ClusterOptions>
        {
            ["a"] = new() { Addresses = ["127.0.0.1:2"], Services = ["strait.tests.routing.TodoService"] },
            ["b"] = new() { Addresses = ["127.0.0.1:3"], Services = ["strait.tests.routing.TodoService", "strait.tests.routing.Nope"] },
        };
        var errors = new List<string>();
        await using var set = CreateSet(TestClusters.Options(1), clusters, errors);
        Assert.NotNull(set);

        Assert.Null(ClusterOfRoute(set, routes, reflected: null, errors));
        Assert.Contains("clusters.b.services[0]: 'strait.tests.routing.TodoService' is already served by cluster 'a'", errors);
        Assert.Contains(errors, e => e.StartsWith("clusters.b.services[1]: 'strait.tests.routing.Nope' names no service", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reflecting_cluster_serves_what_it_reflected_unless_configuration_claims_it()
    {
        var routes = RoutingFixtures.TodoTable();
        var clusters = new Dictionary<string, ClusterOptions>
        {
            ["reads"] = new() { Addresses = ["127.0.0.1:2"], Methods = ["strait.tests.routing.TodoService.GetTodo"] },
            ["reflected"] = new() { Addresses = ["127.0.0.1:3"], Reflection = true },
        };
        var errors = new List<string>();
        await using var set = CreateSet(TestClusters.Options(1), clusters, errors);
        Assert.True(set is not null, string.Join("; ", errors));
        var reflected = new Dictionary<string, IReadOnlyList<string>> { ["reflected"] = ["strait.tests.routing.TodoService"] };

        var upstream = ClusterOfRoute(set, routes, reflected, errors);
        Assert.True(upstream is not null, string.Join("; ", errors));
        string ClusterOf(string method) => upstream(routes.Routes.First(r => r.Method.Name == method && r.Source != Strait.Routing.RouteSource.Generated));
        Assert.Equal("reads", ClusterOf("GetTodo"));
        Assert.Equal("reflected", ClusterOf("ListTodos"));
        Assert.Equal("default", ClusterOfRoute(set, routes, reflected: null, errors)!(routes.Routes.First(r => r.Method.Name == "ListTodos")));
    }

    /// <summary>The cluster each route's plan takes: its claiming cluster, else the default; null when claims are in error.</summary>
    private static Func<Strait.Routing.HttpRoute, string>? ClusterOfRoute(
        UpstreamClusterSet set, Strait.Routing.RouteTable routes, IReadOnlyDictionary<string, IReadOnlyList<string>>? reflected, List<string> errors)
    {
        var before = errors.Count;
        var claims = ClusterSelection.Resolve(set.Named, routes, reflected, errors);
        return errors.Count > before ? null : route => set.Find(claims.NameOf(route) ?? UpstreamClusterSet.DefaultClusterName).Name;
    }

    private static UpstreamClusterSet? CreateSet(ClusterOptions backend, Dictionary<string, ClusterOptions> clusters, List<string> errors) =>
        ClustersValidator.Validate(backend, clusters, requireDefaultEndpoints: true, errors) is { } settings ? UpstreamClusterSet.Create(settings, clusters) : null;
}
