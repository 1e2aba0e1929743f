namespace Strait.Upstream.Balancing;

/// <summary>How a cluster picks the endpoint of each call.</summary>
internal enum LoadBalancingPolicy
{
    /// <summary>Power of two choices: the less busy (fewer calls in flight) of two random endpoints.</summary>
    LeastRequest,

    RoundRobin,

    Random,

    /// <summary>Shares of calls proportional to the endpoints' weights, evenly interleaved.</summary>
    Weighted,

    /// <summary>Consistent hashing of a header or metadata value: one key keeps its endpoint while the set is stable.</summary>
    RingHash,

    /// <summary>The first usable endpoint in configuration (or discovery) order; the next one only when it is unusable.</summary>
    PickFirst,
}

internal static class LoadBalancingPolicyNames
{
    public const string All = "least_request, round_robin, random, weighted, ring_hash or pick_first";

    public static bool TryParse(string? text, out LoadBalancingPolicy policy)
    {
        switch (text)
        {
            case "least_request": policy = LoadBalancingPolicy.LeastRequest; return true;
            case "round_robin": policy = LoadBalancingPolicy.RoundRobin; return true;
            case "random": policy = LoadBalancingPolicy.Random; return true;
            case "weighted": policy = LoadBalancingPolicy.Weighted; return true;
            case "ring_hash": policy = LoadBalancingPolicy.RingHash; return true;
            case "pick_first": policy = LoadBalancingPolicy.PickFirst; return true;
            default: policy = default; return false;
        }
    }

    public static string ToName(this LoadBalancingPolicy policy) => policy switch
    {
        LoadBalancingPolicy.LeastRequest => "least_request",
        LoadBalancingPolicy.RoundRobin => "round_robin",
        LoadBalancingPolicy.Random => "random",
        LoadBalancingPolicy.Weighted => "weighted",
        LoadBalancingPolicy.RingHash => "ring_hash",
        _ => "pick_first",
    };
}
