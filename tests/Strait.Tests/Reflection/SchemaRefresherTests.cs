using Microsoft.Extensions.Logging.Abstractions;
using Strait.Configuration;
using Strait.Gateway;
using Strait.Reflection;
using Strait.Routing;
using Strait.Samples.Hosting;

namespace Strait.Tests.Reflection;

/// <summary>The refresher against in-process reflection servers whose schema the test switches, as a deploy would.</summary>
public sealed class SchemaRefresherTests
{
    [Fact]
    public async Task Swaps_to_a_changed_schema_and_keeps_the_last_good_one_when_the_next_does_not_build()
    {
        await using var backend = await VersionedServer.StartAsync("v1");
        await using var runtime = await StartRuntimeAsync(new StraitOptions { Backend = { Addresses = [backend.Address], Reflection = true } });
        await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);

        var first = await refresher.LoadAsync(CancellationToken.None);
        Assert.Contains("GET /v1/items/{id}", RouteKeys(first));
        Assert.DoesNotContain("GET /v1/shelves/{shelf}", RouteKeys(first));
        Assert.Equal(SchemaRefreshOutcome.Unchanged, await refresher.RefreshAsync());
        Assert.Same(first, refresher.Snapshots.Current);

        backend.Serve("v2");
        Assert.Equal(SchemaRefreshOutcome.Swapped, await refresher.RefreshAsync());
        var second = refresher.Snapshots.Current;
        Assert.Contains("GET /v1/shelves/{shelf}", RouteKeys(second));
        Assert.NotNull(second.Schema.FindMessageType("strait.catalog.v1.Item")!.FindFieldByName("color"));
        // A request that started on the first snapshot keeps a whole one; the clusters outlive both.
        Assert.DoesNotContain("GET /v1/shelves/{shelf}", RouteKeys(first));
        Assert.Same(first.Plans.For(first.Schema.Services[0].Methods[0]).Cluster, second.Plans.For(second.Schema.Services[0].Methods[0]).Cluster);

        var servedV2 = Assert.Single(refresher.Status.Clusters).Schema!.Fingerprint;
        backend.Serve("broken");
        Assert.Equal(SchemaRefreshOutcome.Rejected, await refresher.RefreshAsync());
        Assert.Same(second, refresher.Snapshots.Current);
        Assert.Equal((1, 1), (refresher.Status.Swaps, refresher.Status.Rejections));
        Assert.Contains("route conflict", refresher.Status.LastError, StringComparison.Ordinal);
        Assert.Equal(second.Fingerprint, refresher.Status.Fingerprint);
        // The broken answer is not the cluster's schema: the admin view and the tie-break keep the one served.
        var cluster = Assert.Single(refresher.Status.Clusters);
        Assert.Equal(servedV2, cluster.Schema!.Fingerprint);
        Assert.NotEqual(servedV2, Assert.Single(cluster.Endpoints).Fingerprint);

        // Deploying the version in use again is no change, and clears the pending rejection.
        backend.Serve("v2");
        Assert.Equal(SchemaRefreshOutcome.Unchanged, await refresher.RefreshAsync());
        Assert.Same(second, refresher.Snapshots.Current);
    }

    [Fact]
    public async Task A_service_moving_to_another_cluster_with_the_same_files_is_a_change()
    {
        await using var first = await VersionedServer.StartAsync("v1");
        await using var second = await VersionedServer.StartAsync("v1", services: []);
        var options = new StraitOptions { Backend = { Addresses = [$"127.0.0.1:1"] } };
        options.Clusters["a"] = new Strait.Upstream.ClusterOptions { Addresses = [first.Address], Reflection = true };
        options.Clusters["b"] = new Strait.Upstream.ClusterOptions { Addresses = [second.Address], Reflection = true };
        await using var runtime = await StartRuntimeAsync(options);
        await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);
        var snapshot = await refresher.LoadAsync(CancellationToken.None);
        var method = snapshot.Schema.Services.Single().Methods[0];
        Assert.Equal("a", snapshot.Plans.For(method).Cluster.Name);

        first.Serve("v1", services: []);
        second.Serve("v1");

        Assert.Equal(SchemaRefreshOutcome.Swapped, await refresher.RefreshAsync());
        var moved = refresher.Snapshots.Current;
        Assert.Equal("b", moved.Plans.For(moved.Schema.Services.Single().Methods[0]).Cluster.Name);
    }

    [Fact]
    public async Task Triggers_that_arrive_together_share_one_refresh()
    {
        await using var backend = await VersionedServer.StartAsync("v1");
        await using var runtime = await StartRuntimeAsync(new StraitOptions { Backend = { Addresses = [backend.Address], Reflection = true } });
        await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);
        await refresher.LoadAsync(CancellationToken.None);

        var triggers = Enumerable.Range(0, 20).Select(_ => refresher.RefreshAsync()).ToArray();
        await Task.WhenAll(triggers);

        Assert.InRange(refresher.Status.Refreshes, 1, 2);
    }

    [Fact]
    public async Task Endpoints_that_disagree_are_reported_and_the_most_common_schema_is_served()
    {
        await using var a = await VersionedServer.StartAsync("v2");
        await using var b = await VersionedServer.StartAsync("v1");
        await using var c = await VersionedServer.StartAsync("v2");
        await using var runtime = await StartRuntimeAsync(new StraitOptions { Backend = { Addresses = [a.Address, b.Address, c.Address], Reflection = true } });
        await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);

        var snapshot = await refresher.LoadAsync(CancellationToken.None);

        Assert.Contains("GET /v1/shelves/{shelf}", RouteKeys(snapshot));
        Assert.Equal(1, refresher.Status.Disagreements);
        var endpoints = Assert.Single(refresher.Status.Clusters).Endpoints;
        Assert.Equal(3, endpoints.Count);
        Assert.Equal(2, endpoints.Select(e => e.Fingerprint).Distinct().Count());
    }

    [Fact]
    public async Task Files_pin_the_services_they_define_and_reflection_does_not_replace_them()
    {
        var directory = Directory.CreateTempSubdirectory("strait-pinned-");
        try
        {
            await using var backend = await VersionedServer.StartAsync("v2");
            var options = new StraitOptions { Backend = { Addresses = [backend.Address], Reflection = true } };
            options.Schema.DescriptorSets.Add(SchemaVersions.WriteSet("v1", directory));
            await using var runtime = await StartRuntimeAsync(options);
            await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);

            var snapshot = await refresher.LoadAsync(CancellationToken.None);

            Assert.DoesNotContain("GET /v1/shelves/{shelf}", RouteKeys(snapshot));
            Assert.Empty(Assert.Single(refresher.Status.Clusters).Schema!.Services);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_cluster_that_stops_answering_keeps_the_schema_it_gave()
    {
        var backend = await VersionedServer.StartAsync("v1");
        await using var runtime = await StartRuntimeAsync(new StraitOptions { Backend = { Addresses = [backend.Address], Reflection = true } });
        await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);
        var snapshot = await refresher.LoadAsync(CancellationToken.None);

        await backend.DisposeAsync();

        Assert.Equal(SchemaRefreshOutcome.Unchanged, await refresher.RefreshAsync());
        Assert.Same(snapshot, refresher.Snapshots.Current);
        Assert.Equal(["default"], refresher.Status.UnreachableClusters);
        Assert.NotNull(Assert.Single(Assert.Single(refresher.Status.Clusters).Endpoints).Error);
    }

    [Fact]
    public async Task Startup_fails_with_the_reason_when_a_cluster_gives_no_schema_in_time()
    {
        await using var backend = await GrpcServerHost.StartAsync("http://127.0.0.1:0", _ => { });
        var options = new StraitOptions { Backend = { Addresses = [$"127.0.0.1:{backend.Address.Port}"], Reflection = true } };
        options.Schema.Reflection.StartupTimeout = TimeSpan.Zero;
        await using var runtime = await StartRuntimeAsync(options);
        await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);

        var error = await Assert.ThrowsAsync<StraitConfigurationException>(() => refresher.LoadAsync(CancellationToken.None));

        Assert.StartsWith("schema: no schema from cluster 'default' within schema.reflection.startupTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Unimplemented", error.Message, StringComparison.Ordinal);
    }

    private static string[] RouteKeys(GatewaySnapshot snapshot) => [.. snapshot.RouteTable.Routes.Select(RouteClaims.RouteKey)];

    private static async Task<GatewayRuntime> StartRuntimeAsync(StraitOptions options)
    {
        var runtime = GatewayRuntime.Create(StraitSettings.Validate(options));
        await runtime.Clusters.StartAsync(NullLoggerFactory.Instance, CancellationToken.None);
        return runtime;
    }

    /// <summary>A reflection server on loopback whose schema <see cref="Serve"/> replaces.</summary>
    private sealed class VersionedServer : IAsyncDisposable
    {
        private readonly GrpcServerHost host;
        private ReflectionIndex index;

        private VersionedServer(GrpcServerHost host, ReflectionIndex index)
        {
            this.host = host;
            this.index = index;
        }

        public string Address => $"127.0.0.1:{host.Address.Port}";

        public static async Task<VersionedServer> StartAsync(string version, IReadOnlyList<string>? services = null)
        {
            VersionedServer? server = null;
            var host = await GrpcServerHost.StartAsync("http://127.0.0.1:0", endpoints =>
            {
                foreach (var service in ReflectionServices.Create(() => server!.index))
                {
                    endpoints.MapGrpcService(service);
                }
            });
            server = new VersionedServer(host, Index(version, services));
            return server;
        }

        /// <summary>Serves <paramref name="version"/>'s files, listing <paramref name="services"/> (the catalog when null).</summary>
        public void Serve(string version, IReadOnlyList<string>? services = null) => Volatile.Write(ref index, Index(version, services));

        public ValueTask DisposeAsync() => host.DisposeAsync();

        private static ReflectionIndex Index(string version, IReadOnlyList<string>? services) => new(SchemaVersions.Files(version), services ?? [SchemaVersions.Service]);
    }
}
