namespace Strait.Upstream.Balancing;

/// <summary>
/// Picks one endpoint per call from an immutable set. A cluster builds a new picker whenever the set of usable
/// endpoints changes, so a picker never sees a half-updated set and needs no lock.
/// </summary>
internal abstract class EndpointPicker
{
    protected EndpointPicker(UpstreamEndpoint[] endpoints)
    {
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Length);
        Endpoints = endpoints;
    }

    public UpstreamEndpoint[] Endpoints { get; }

    /// <param name="affinityHash">The hash of the call's affinity key; only <c>ring_hash</c> reads it.</param>
    public abstract UpstreamEndpoint Pick(ulong? affinityHash);

    public static EndpointPicker Create(LoadBalancingPolicy policy, UpstreamEndpoint[] endpoints) => policy switch
    {
        LoadBalancingPolicy.RoundRobin => new RoundRobinPicker(endpoints),
        LoadBalancingPolicy.Random => new RandomPicker(endpoints),
        LoadBalancingPolicy.Weighted => new WeightedPicker(endpoints),
        LoadBalancingPolicy.RingHash => new RingHashPicker(endpoints),
        LoadBalancingPolicy.PickFirst => new PickFirstPicker(endpoints),
        _ => new LeastRequestPicker(endpoints),
    };
}

internal sealed class RoundRobinPicker : EndpointPicker
{
    private uint next;

    // Starting at a random place keeps many pickers (one per rebuild, one per Strait replica) from all hitting
    // the first endpoint first.
    public RoundRobinPicker(UpstreamEndpoint[] endpoints)
        : base(endpoints) => next = (uint)System.Random.Shared.Next(endpoints.Length);

    public override UpstreamEndpoint Pick(ulong? affinityHash)
    {
        var index = Interlocked.Increment(ref next) - 1;
        return Endpoints[index % (uint)Endpoints.Length];
    }
}

internal sealed class RandomPicker(UpstreamEndpoint[] endpoints) : EndpointPicker(endpoints)
{
    public override UpstreamEndpoint Pick(ulong? affinityHash) => Endpoints[System.Random.Shared.Next(Endpoints.Length)];
}

/// <summary>Power of two choices on calls in flight: nearly as good as scanning every endpoint, at constant cost.</summary>
internal sealed class LeastRequestPicker(UpstreamEndpoint[] endpoints) : EndpointPicker(endpoints)
{
    public override UpstreamEndpoint Pick(ulong? affinityHash)
    {
        var endpoints = Endpoints;
        if (endpoints.Length == 1)
        {
            return endpoints[0];
        }

        var first = System.Random.Shared.Next(endpoints.Length);
        var second = System.Random.Shared.Next(endpoints.Length - 1);
        if (second >= first)
        {
            second++;
        }

        var a = endpoints[first];
        var b = endpoints[second];
        return b.InFlight < a.InFlight ? b : a;
    }
}

internal sealed class PickFirstPicker(UpstreamEndpoint[] endpoints) : EndpointPicker(endpoints)
{
    public override UpstreamEndpoint Pick(ulong? affinityHash) => Endpoints[0];
}
