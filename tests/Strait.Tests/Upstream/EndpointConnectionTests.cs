using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Samples.Hosting;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Tests.Upstream;

/// <summary>
/// An endpoint's connections against a real HTTP/2 server on loopback: more connections past the stream limit,
/// GOAWAY drained gracefully, connections replaced after their maximum age.
/// </summary>
public sealed class EndpointConnectionTests
{
    private const string Method = "/test.Probe/Call";

    [Fact]
    public async Task Calls_past_the_servers_stream_limit_open_more_connections_instead_of_queueing()
    {
        const int calls = 6;
        var connections = new ConcurrentDictionary<string, int>();
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(new GrpcServerHostOptions { MaxConcurrentStreams = 2 }, async context =>
        {
            connections.AddOrUpdate(context.HttpContext.Connection.Id, 1, (_, n) => n + 1);
            if (Interlocked.Increment(ref arrived) == calls)
            {
                allArrived.SetResult();
            }

            // Every call waits until all are running at once: with two streams per connection that takes three connections.
            await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(10), context.CancellationToken);
        });
        await using var cluster = TestClusters.Create(new ClusterOptions { Addresses = [host.Address.Authority] });

        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(_ => CallAsync(cluster)));

        Assert.All(results, status => Assert.Equal(GrpcStatusCode.Ok, status.Code));
        Assert.True(connections.Count >= calls / 2, $"{connections.Count} connections");
        Assert.All(connections.Values, perConnection => Assert.InRange(perConnection, 1, 2));
    }

    [Fact]
    public async Task A_graceful_shutdown_of_the_endpoint_lets_its_running_call_finish()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = await StartAsync(new GrpcServerHostOptions(), async context =>
        {
            running.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(10), context.CancellationToken);
        });
        await using var cluster = TestClusters.Create(new ClusterOptions { Addresses = [host.Address.Authority] });

        var call = CallAsync(cluster);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Kestrel answers a stop with GOAWAY and waits for the streams it accepted.
        var stopping = host.DisposeAsync().AsTask();
        await Task.Delay(200);
        Assert.False(call.IsCompleted);
        release.SetResult();

        Assert.Equal(GrpcStatusCode.Ok, (await call).Code);
        await stopping;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Connections_past_their_max_age_or_idle_time_are_replaced(bool maxAge)
    {
        var connections = new ConcurrentBag<string>();
        await using var host = await StartAsync(new GrpcServerHostOptions(), context =>
        {
            connections.Add(context.HttpContext.Connection.Id);
            return Task.CompletedTask;
        });
        var options = new ClusterOptions { Addresses = [host.Address.Authority] };
        if (maxAge)
        {
            options.Connection.MaxAge = TimeSpan.FromMilliseconds(200);
        }
        else
        {
            options.Connection.IdleTimeout = TimeSpan.FromMilliseconds(200);
        }

        await using var cluster = TestClusters.Create(options);

        Assert.Equal(GrpcStatusCode.Ok, (await CallAsync(cluster)).Code);
        Assert.Equal(GrpcStatusCode.Ok, (await CallAsync(cluster)).Code);
        // An expired connection is noticed when the next call looks for one; an idle one by the pool's scavenger,
        // which runs at most once a second.
        await Task.Delay(maxAge ? 400 : 2500);
        Assert.Equal(GrpcStatusCode.Ok, (await CallAsync(cluster)).Code);

        var ids = connections.ToArray();
        Assert.Equal(2, ids.Distinct().Count());
    }

    private static async Task<GrpcStatus> CallAsync(UpstreamCluster cluster)
    {
        var lease = cluster.TryPick(null) ?? throw new InvalidOperationException("no endpoint");
        using var result = await lease.InvokeUnaryAsync(Method, new Empty().ToByteArray(), null, DateTime.UtcNow.AddSeconds(20), CancellationToken.None);
        return result.Status;
    }

    private static Task<GrpcServerHost> StartAsync(GrpcServerHostOptions options, Func<ServerCallContext, Task> handler)
    {
        var service = new GrpcServiceDefinition("test.Probe").AddUnary("Call", Empty.Parser, async (Empty _, ServerCallContext context) =>
        {
            await handler(context);
            return new Empty();
        });
        return GrpcServerHost.StartAsync("http://127.0.0.1:0", endpoints => endpoints.MapGrpcService(service), options);
    }
}
