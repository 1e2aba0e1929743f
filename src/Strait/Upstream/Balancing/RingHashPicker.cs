namespace Strait.Upstream.Balancing;

/// <summary>
/// Consistent hashing (a Ketama-style ring): each endpoint owns 160 points per unit of weight on a 64-bit ring,
/// and a key goes to the owner of the first point at or after the key's hash. Adding or removing one endpoint moves
/// only the keys of the points it owns. Calls without a key are spread at random.
/// </summary>
internal sealed class RingHashPicker : EndpointPicker
{
    // Points per unit of weight. Fixed, so that with equal weights an endpoint's points do not depend on how many
    // others there are: removing one moves exactly its own keys.
    private const int PointsPerWeight = 160;
    private const int MaxRingSize = 1 << 17;

    private readonly ulong[] points;
    private readonly int[] owners;

    public RingHashPicker(UpstreamEndpoint[] endpoints)
        : base(endpoints)
    {
        long totalWeight = 0;
        foreach (var endpoint in endpoints)
        {
            totalWeight += Math.Max(1, endpoint.Weight);
        }

        // Very large weights would make a huge ring; scaled down, keys move a little more on changes.
        var scale = Math.Min(1.0, (double)MaxRingSize / (totalWeight * PointsPerWeight));
        var entries = new List<(ulong Point, int Owner)>((int)Math.Min(MaxRingSize, totalWeight * PointsPerWeight) + endpoints.Length);
        for (var i = 0; i < endpoints.Length; i++)
        {
            var share = Math.Max(1, (int)Math.Round(Math.Max(1, endpoints[i].Weight) * PointsPerWeight * scale));
            foreach (var point in endpoints[i].RingPoints(share))
            {
                entries.Add((point, i));
            }
        }

        // Ties (vanishingly rare) are broken by owner so that every Strait replica builds the same ring.
        entries.Sort(static (a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : a.Owner.CompareTo(b.Owner));
        points = new ulong[entries.Count];
        owners = new int[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            points[i] = entries[i].Point;
            owners[i] = entries[i].Owner;
        }
    }

    public override UpstreamEndpoint Pick(ulong? affinityHash)
    {
        if (affinityHash is not { } hash)
        {
            return Endpoints[System.Random.Shared.Next(Endpoints.Length)];
        }

        var index = Array.BinarySearch(points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        return Endpoints[owners[index == points.Length ? 0 : index]];
    }
}
