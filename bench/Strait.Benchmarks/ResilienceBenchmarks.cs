using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Strait.Resilience;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Benchmarks;

/// <summary>
/// What the resilience layer adds to every call that needs no retry: the deadline (from a client header and from
/// the route default), the cluster's bulkhead (a <see cref="System.Threading.RateLimiting.ConcurrencyLimiter"/>
/// acquire and release), the retry budget's deposit, and a pick that avoids an endpoint already tried.
/// </summary>
[MemoryDiagnoser]
public class ResilienceBenchmarks
{
    private static readonly DateTime Deadline = DateTime.UtcNow.AddDays(1);
    private readonly CallPolicy policy = new("bench", null, TimeSpan.FromMinutes(5), TimeSpan.Zero, null, null, null, null);
    private readonly HeaderDictionary withTimeout = new() { ["grpc-timeout"] = "2S" };
    private readonly HeaderDictionary withoutTimeout = new();
    private UpstreamCluster cluster = null!;
    private UpstreamEndpoint[] tried = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new ClusterOptions { LbPolicy = "round_robin" };
        for (var i = 0; i < 5; i++)
        {
            options.Addresses.Add(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{10_000 + i}"));
        }

        var errors = new List<string>();
        cluster = new UpstreamCluster(ClusterSettings.TryCreate("bench", "clusters.bench", options, errors)
            ?? throw new InvalidOperationException(string.Join("; ", errors)));
        tried = [cluster.Endpoints[0]];
    }

    [GlobalCleanup]
    public void Cleanup() => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "deadline from grpc-timeout")]
    public DateTime DeadlineFromHeader()
    {
        DeadlineResolver.Resolve(withTimeout, policy, TimeSpan.FromSeconds(30), "X-Request-Timeout", DateTime.UtcNow, out var deadline);
        return deadline;
    }

    [Benchmark(Description = "deadline from the route default")]
    public DateTime DeadlineFromDefault()
    {
        DeadlineResolver.Resolve(withoutTimeout, policy, TimeSpan.FromSeconds(30), "X-Request-Timeout", DateTime.UtcNow, out var deadline);
        return deadline;
    }

    [Benchmark(Description = "bulkhead: enter and leave")]
    public async Task<bool> Bulkhead()
    {
        using var lease = await cluster.Admission.TryEnterAsync(Deadline, CancellationToken.None);
        return lease is not null;
    }

    [Benchmark(Description = "retry budget: deposit")]
    public void BudgetDeposit() => cluster.Budget.Deposit();

    [Benchmark(Baseline = true, Description = "pick + complete")]
    public object? Pick() => PickAndComplete(null);

    [Benchmark(Description = "pick avoiding a tried endpoint + complete")]
    public object? PickAvoiding() => PickAndComplete(tried);

    private UpstreamEndpoint PickAndComplete(UpstreamEndpoint[]? avoid)
    {
        var lease = cluster.TryPick(null, avoid) ?? throw new InvalidOperationException("no endpoint");
        lease.Complete(GrpcStatus.Ok);
        return lease.Endpoint;
    }
}
