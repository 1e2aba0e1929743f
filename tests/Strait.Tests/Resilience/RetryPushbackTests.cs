using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Resilience;
using Strait.Samples.Hosting;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Tests.Resilience;

/// <summary>
/// Retry pushback (gRPC A6, <c>grpc-retry-pushback-ms</c>) as <see cref="ResilientInvoker"/> meets it: a real server
/// on loopback fails every call with the pushback the test chose, and notes when each attempt arrives.
/// </summary>
public sealed class RetryPushbackTests
{
    private const string Method = "/test.Probe/Call";

    // Backoff alone would send the next attempt within a millisecond: only the pushback can space the attempts out.
    private static readonly CallPolicy Policy = new(
        "test",
        timeout: null,
        maxTimeout: TimeSpan.FromMinutes(1),
        deadlineOffset: TimeSpan.Zero,
        idempotent: true,
        new RetryPolicy(
            maxAttempts: 3,
            initialBackoff: TimeSpan.FromMilliseconds(1),
            maxBackoff: TimeSpan.FromMilliseconds(1),
            multiplier: 1,
            GrpcStatusCodeSet.Of(GrpcStatusCode.Unavailable),
            GrpcStatusCodeSet.Of(GrpcStatusCode.ResourceExhausted),
            perTryTimeout: null),
        hedging: null,
        replay: null);

    [Theory]
    [InlineData(GrpcStatusCode.Unavailable)]
    [InlineData(GrpcStatusCode.ResourceExhausted)]
    public async Task A_pushback_delays_the_next_attempt_by_that_long_instead_of_the_backoff(object codeValue)
    {
        var code = (GrpcStatusCode)codeValue;
        var arrivals = new ConcurrentQueue<TimeSpan>();
        await using var host = await StartAsync(arrivals, code, pushback: "600");

        var (status, attempts) = await InvokeAsync(host);

        Assert.Equal(code, status);
        Assert.Equal(3, attempts);
        var times = arrivals.ToArray();
        Assert.Equal(3, times.Length);
        for (var i = 1; i < times.Length; i++)
        {
            // The upper bound is loose on purpose: a loaded machine delays, it never hurries.
            Assert.InRange(times[i] - times[i - 1], TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(10));
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task A_negative_or_unparseable_pushback_stops_retrying(string pushback)
    {
        var arrivals = new ConcurrentQueue<TimeSpan>();
        await using var host = await StartAsync(arrivals, GrpcStatusCode.Unavailable, pushback);

        var (status, attempts) = await InvokeAsync(host);

        Assert.Equal(GrpcStatusCode.Unavailable, status);
        Assert.Equal(1, attempts);
        Assert.Single(arrivals);
    }

    private static async Task<(GrpcStatusCode? Status, int Attempts)> InvokeAsync(GrpcServerHost host)
    {
        await using var cluster = TestClusters.Create(new ClusterOptions { Addresses = [host.Address.Authority] });
        var call = new UnaryCallRequest(Method, new Empty().ToByteArray(), new GrpcMetadata(), DateTime.UtcNow.AddSeconds(30), null, RepeatSafety.Idempotent);
        using var outcome = await ResilientInvoker.InvokeAsync(cluster, Policy, call, CancellationToken.None);
        return (outcome.Result?.Status.Code, outcome.Attempts);
    }

    private static Task<GrpcServerHost> StartAsync(ConcurrentQueue<TimeSpan> arrivals, GrpcStatusCode code, string pushback)
    {
        var clock = Stopwatch.StartNew();
        var service = new GrpcServiceDefinition("test.Probe").AddUnary("Call", Empty.Parser, (Empty _, ServerCallContext context) =>
        {
            arrivals.Enqueue(clock.Elapsed);
            // GrpcMetadata refuses grpc-* keys; the failure is sent Trailers-Only, so the head carries the trailers.
            context.HttpContext.Response.Headers[GrpcProtocol.RetryPushbackHeader] = pushback;
            return Task.FromException<Empty>(new GrpcException(code, "pushed back"));
        });
        return GrpcServerHost.StartAsync("http://127.0.0.1:0", endpoints => endpoints.MapGrpcService(service), new GrpcServerHostOptions());
    }
}
