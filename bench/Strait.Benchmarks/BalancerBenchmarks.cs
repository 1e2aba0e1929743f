using System.Globalization;
using BenchmarkDotNet.Attributes;
using Strait.Upstream;
using Strait.Upstream.Balancing;
using Strait.Wire;

namespace Strait.Benchmarks;

/// <summary>
/// The cost of one endpoint pick per load-balancing policy over 5 and 500 endpoints, and of the whole per-call
/// path a request pays under the default policy: <see cref="UpstreamCluster.TryPick"/> (pick plus counting the
/// call in flight) and <see cref="EndpointLease.Complete"/> (outcome accounting plus release).
/// </summary>
/// <remarks>
/// Endpoints come from real clusters of loopback addresses; no connection is opened, since nothing calls them.
/// The weighted picker gets endpoints of weights 1 to 4; the others equal weights, so the ring has its full 160
/// points per endpoint. ring_hash cycles through precomputed hashes of 256 distinct keys, as calls with different
/// affinity keys would, and of 65,536: a few hundred repeating keys let the CPU learn the binary search's branches
/// and keep the touched part of the ring (80,000 points at 500 endpoints) in cache, many keys do not. Every endpoint
/// has no call in flight, which changes nothing for least_request's cost.
/// </remarks>
[MemoryDiagnoser]
public class BalancerBenchmarks
{
    private const int KeyCount = 256;
    private const int ManyKeyCount = 65_536;

    private readonly ulong[] keyHashes = new ulong[KeyCount];
    private readonly ulong[] manyKeyHashes = new ulong[ManyKeyCount];
    private UpstreamCluster cluster = null!;
    private UpstreamCluster weightedCluster = null!;
    private EndpointPicker leastRequest = null!;
    private EndpointPicker roundRobin = null!;
    private EndpointPicker random = null!;
    private EndpointPicker weighted = null!;
    private EndpointPicker ringHash = null!;
    private EndpointPicker pickFirst = null!;
    private int nextKey;
    private int nextManyKey;

    [Params(5, 500)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var addresses = new List<string>(Endpoints);
        var weightedEndpoints = new List<EndpointOptions>(Endpoints);
        for (var i = 0; i < Endpoints; i++)
        {
            var address = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{10_000 + i}");
            addresses.Add(address);
            weightedEndpoints.Add(new EndpointOptions { Address = address, Weight = 1 + (i % 4) });
        }

        cluster = new UpstreamCluster(Settings(new ClusterOptions { Addresses = addresses }));
        weightedCluster = new UpstreamCluster(Settings(new ClusterOptions { LbPolicy = "weighted", Endpoints = weightedEndpoints }));
        UpstreamEndpoint[] endpoints = [.. cluster.Endpoints];
        if (endpoints.Length != Endpoints || cluster.UsableCount != Endpoints)
        {
            throw new InvalidOperationException($"the benchmark cluster has {endpoints.Length} endpoints, {cluster.UsableCount} usable");
        }

        leastRequest = EndpointPicker.Create(LoadBalancingPolicy.LeastRequest, endpoints);
        roundRobin = EndpointPicker.Create(LoadBalancingPolicy.RoundRobin, endpoints);
        random = EndpointPicker.Create(LoadBalancingPolicy.Random, endpoints);
        weighted = EndpointPicker.Create(LoadBalancingPolicy.Weighted, [.. weightedCluster.Endpoints]);
        ringHash = EndpointPicker.Create(LoadBalancingPolicy.RingHash, endpoints);
        pickFirst = EndpointPicker.Create(LoadBalancingPolicy.PickFirst, endpoints);
        for (var i = 0; i < ManyKeyCount; i++)
        {
            var hash = AffinityHash.Of(string.Create(CultureInfo.InvariantCulture, $"user-{i}"));
            manyKeyHashes[i] = hash;
            if (i < KeyCount)
            {
                keyHashes[i] = hash;
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        weightedCluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "pick_first")]
    public object? PickFirst() => pickFirst.Pick(null);

    [Benchmark(Description = "least_request")]
    public object? LeastRequest() => leastRequest.Pick(null);

    [Benchmark(Description = "round_robin")]
    public object? RoundRobin() => roundRobin.Pick(null);

    [Benchmark(Description = "random")]
    public object? Random() => random.Pick(null);

    [Benchmark(Description = "weighted (weights 1–4)")]
    public object? Weighted() => weighted.Pick(null);

    [Benchmark(Description = "ring_hash (256 keys)")]
    public object? RingHash() => ringHash.Pick(keyHashes[nextKey++ & (KeyCount - 1)]);

    [Benchmark(Description = "ring_hash (65,536 keys)")]
    public object? RingHashManyKeys() => ringHash.Pick(manyKeyHashes[nextManyKey++ & (ManyKeyCount - 1)]);

    [Benchmark(Description = "least_request: TryPick + Complete(OK)")]
    public object? LeastRequestCall()
    {
        if (cluster.TryPick(null) is not { } lease)
        {
            throw new InvalidOperationException("the benchmark cluster has no usable endpoint");
        }

        lease.Complete(GrpcStatus.Ok);
        return lease.Endpoint;
    }

    private static ClusterSettings Settings(ClusterOptions options)
    {
        var errors = new List<string>();
        return ClusterSettings.TryCreate("bench", "clusters.bench", options, errors)
            ?? throw new InvalidOperationException(string.Join("; ", errors));
    }
}
