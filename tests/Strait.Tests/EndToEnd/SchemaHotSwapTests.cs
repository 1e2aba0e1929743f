using System.Diagnostics;
using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// A rolling deploy of a reflecting backend under load: two @grpc/grpc-js replicas restarted one by one with a changed
/// proto (a new field, a new method with a new route), while clients keep calling through Strait; then a deploy of a
/// schema Strait must refuse. Like any rollout, the next replica goes down only once the gateway uses the last one
/// again; the calls a replica fails while it restarts eject it, so ejections here last a second, not thirty.
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class SchemaHotSwapTests
{
    [Fact]
    public async Task A_changed_schema_is_served_within_a_refresh_with_no_failed_request_and_a_broken_one_is_refused()
    {
        var directory = Directory.CreateTempSubdirectory("strait-hot-swap-");
        var replicas = new BackendProcess[2];
        try
        {
            var sets = new[] { "v1", "v2", "broken" }.ToDictionary(v => v, v => SchemaVersions.WriteSet(v, directory));
            for (var i = 0; i < replicas.Length; i++)
            {
                replicas[i] = await BackendProcess.StartSchemaServerAsync(sets["v1"], new BackendOptions { ReplicaId = "replica-" + i });
            }

            var config = Path.Combine(directory.FullName, "strait.yaml");
            await File.WriteAllTextAsync(config, $"""
                admin:
                  listen: http://127.0.0.1:0
                backend:
                  addresses: ["{replicas[0].Address}", "{replicas[1].Address}"]
                  reflection: true
                  outlierDetection:
                    baseEjectionTime: 00:00:01
                schema:
                  reflection:
                    refreshInterval: 00:00:01
                """);
            await using var gateway = await GatewayProcess.StartAsync("--config", config);
            Assert.Equal(404, (int)(await gateway.Http.GetAsync(new Uri("/v1/shelves/a", UriKind.Relative))).StatusCode);
            Assert.DoesNotContain("/v1/shelves/{shelf}", await gateway.Http.GetStringAsync(new Uri("/openapi.json", UriKind.Relative)), StringComparison.Ordinal);

            using var load = new LoadLoop(gateway.Http, workers: 4);
            await load.WaitForCallsAsync(50);

            var refreshesBeforeLastReplica = 0L;
            for (var i = 0; i < replicas.Length; i++)
            {
                refreshesBeforeLastReplica = (await SchemaAsync(gateway)).GetProperty("refreshes").GetInt64();
                await Redeploy(replicas, i, sets["v2"]);
                await WaitUntilUsableAsync(gateway, replicas.Length);
            }

            var deployed = Stopwatch.StartNew();
            while ((int)(await gateway.Http.GetAsync(new Uri("/v1/shelves/a", UriKind.Relative))).StatusCode != 200)
            {
                Assert.True(deployed.Elapsed < TimeSpan.FromSeconds(15), "the new route never appeared:\n" + gateway.Output);
                await Task.Delay(50);
            }

            // Picked up within one refresh interval: by the first refresh that started after the last replica was back
            // (the one counted before it went down may have been running, and the next may have started meanwhile).
            // Counted in refreshes, not seconds, so that a slow machine cannot fail it.
            var swapped = await SchemaAsync(gateway);
            Assert.Equal(1, swapped.GetProperty("swaps").GetInt64());
            Assert.InRange(swapped.GetProperty("lastChangeRefresh").GetInt64(), refreshesBeforeLastReplica + 1, refreshesBeforeLastReplica + 3);
            var shelf = await JsonReply.ReadAsync(await gateway.Http.GetAsync(new Uri("/v1/shelves/a", UriKind.Relative)));
            Assert.Equal("a", shelf.Text("shelf"));
            Assert.Contains("/v1/shelves/{shelf}", await gateway.Http.GetStringAsync(new Uri("/openapi.json", UriKind.Relative)), StringComparison.Ordinal);
            var item = await JsonReply.ReadAsync(await gateway.Http.GetAsync(new Uri("/v1/items/7", UriKind.Relative)));
            Assert.StartsWith("color@replica-", item.Text("color"), StringComparison.Ordinal);
            await load.WaitForCallsAsync(load.Calls + 50);

            var (calls, failures) = await load.StopAsync();
            Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls failed across the deploy, first: {failures.FirstOrDefault()}");

            var served = await SchemaAsync(gateway);
            for (var i = 0; i < replicas.Length; i++)
            {
                await Redeploy(replicas, i, sets["broken"]);
            }

            var rejected = Stopwatch.StartNew();
            JsonElement schema;
            while ((schema = await SchemaAsync(gateway)).GetProperty("rejections").GetInt64() == 0)
            {
                Assert.True(rejected.Elapsed < TimeSpan.FromSeconds(15), "the broken schema was never reported:\n" + gateway.Output);
                await Task.Delay(100);
            }

            Assert.Equal(served.GetProperty("fingerprint").GetString(), schema.GetProperty("fingerprint").GetString());
            Assert.Contains("route conflict", schema.GetProperty("lastError").GetString(), StringComparison.Ordinal);
            await gateway.WaitForLogLineAsync(line => line.Contains("schema rejected, still serving " + served.GetProperty("fingerprint").GetString(), StringComparison.Ordinal))
                .WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(200, (int)(await gateway.Http.GetAsync(new Uri("/v1/items/8", UriKind.Relative))).StatusCode);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                if (replica is not null)
                {
                    await replica.DisposeAsync();
                }
            }

            directory.Delete(recursive: true);
        }
    }

    // Stops the replica and starts the new version on the same address, as a rolling deploy does.
    private static async Task Redeploy(BackendProcess[] replicas, int index, string descriptorSet)
    {
        var old = replicas[index];
        await old.DisposeAsync();
        replicas[index] = await BackendProcess.StartSchemaServerAsync(descriptorSet, new BackendOptions { Host = old.Host, Port = old.Port, ReplicaId = old.ReplicaId });
    }

    private static async Task WaitUntilUsableAsync(GatewayProcess gateway, int endpoints)
    {
        var waited = Stopwatch.StartNew();
        while ((await gateway.GetClustersAsync()).GetProperty("clusters")[0].GetProperty("usableEndpoints").GetInt32() < endpoints)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "a redeployed replica was never used again:\n" + gateway.Output);
            await Task.Delay(50);
        }
    }

    private static async Task<JsonElement> SchemaAsync(GatewayProcess gateway)
    {
        var text = await gateway.Http.GetStringAsync(new Uri(gateway.AdminAddress!, "/schema"));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Workers calling <c>GET /v1/items/N</c> back to back until stopped, keeping every failure.</summary>
    private sealed class LoadLoop : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task[] workers;
        private readonly List<string> failures = [];
        private long calls;

        public LoadLoop(HttpClient http, int workers)
        {
            this.workers = [.. Enumerable.Range(0, workers).Select(w => Task.Run(() => RunAsync(http, w)))];
        }

        public long Calls => Interlocked.Read(ref calls);

        public async Task WaitForCallsAsync(long count)
        {
            var waited = Stopwatch.StartNew();
            while (Calls < count)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"the load loop made only {Calls} calls");
                await Task.Delay(20);
            }
        }

        public async Task<(long Calls, List<string> Failures)> StopAsync()
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
            lock (failures)
            {
                return (Calls, [.. failures]);
            }
        }

        public void Dispose() => stop.Dispose();

        private async Task RunAsync(HttpClient http, int worker)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"/v1/items/{worker}-{i}", UriKind.Relative), CancellationToken.None);
                    if ((int)response.StatusCode != 200)
                    {
                        Fail($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (HttpRequestException e)
                {
                    Fail(e.Message);
                }

                Interlocked.Increment(ref calls);
            }
        }

        private void Fail(string failure)
        {
            lock (failures)
            {
                failures.Add(failure);
            }
        }
    }
}

/// <summary>
/// Runs its tests alone, after the parallel tests. The rolling deploy restarts two node processes under a four-worker
/// load loop, enough to push the timing-bound tests running beside it (cancellation within 100 ms, deadlines) over
/// their limits, and its own zero-failure count should not depend on theirs either. The REST streaming tests, whose
/// cancellation bound the parallel suite's own load pushed over 100 ms, run here for the converse reason.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "Load";
}
