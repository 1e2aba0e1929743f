namespace Strait.Upstream.Balancing;

/// <summary>
/// Weighted shares without randomness or a precomputed schedule: call n lands at the fraction n·φ (mod 1) of the
/// cumulative weights. That golden-ratio sequence is low-discrepancy, so after any number of calls every endpoint's
/// share is within a few calls of its exact weight, and consecutive calls are interleaved rather than bunched.
/// </summary>
internal sealed class WeightedPicker : EndpointPicker
{
    private const ulong GoldenRatio64 = 0x9E3779B97F4A7C15;

    private readonly long[] cumulativeWeights;
    private readonly ulong totalWeight;
    private ulong next;

    public WeightedPicker(UpstreamEndpoint[] endpoints)
        : base(endpoints)
    {
        cumulativeWeights = new long[endpoints.Length];
        long total = 0;
        for (var i = 0; i < endpoints.Length; i++)
        {
            total += Math.Max(1, endpoints[i].Weight);
            cumulativeWeights[i] = total;
        }

        totalWeight = (ulong)total;
        next = (ulong)System.Random.Shared.NextInt64();
    }

    public override UpstreamEndpoint Pick(ulong? affinityHash)
    {
        var fraction = Interlocked.Increment(ref next) * GoldenRatio64;
        var point = (long)(ulong)(((UInt128)fraction * totalWeight) >> 64);
        return Endpoints[FirstAbove(cumulativeWeights, point)];
    }

    private static int FirstAbove(long[] cumulative, long point)
    {
        int low = 0, high = cumulative.Length - 1;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (cumulative[middle] > point)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }
}
