using Strait.Wire;

namespace Strait.Upstream;

/// <summary>
/// One backend address of a cluster with its own connection pool, and everything balancing and health need to know
/// about it. Counters are updated lock-free by calls; state transitions go through the owning cluster.
/// </summary>
internal sealed class UpstreamEndpoint
{
    // Past the last real code: calls that never reached a status (none today) have a slot anyway.
    private const int StatusSlots = 17;

    private static long lastSequence;

    private readonly long[] callsByStatus = new long[StatusSlots];

    // Calls in flight; -1 once closed, so that a call picking a drained endpoint can tell and pick again.
    private int inFlight;
    private int consecutiveFailures;

    // Half-open (after an ejection, until a probe succeeds): probe calls that may still start; int.MaxValue when closed.
    private int probeSlots = int.MaxValue;
    private long intervalCalls;
    private long intervalSuccesses;
    private ulong[]? ringPoints;

    internal UpstreamEndpoint(EndpointKey key, int weight, GrpcClient client, EndpointHealth initialHealth)
    {
        Key = key;
        Weight = weight;
        Client = client;
        Health = initialHealth;
        Sequence = Interlocked.Increment(ref lastSequence);
    }

    /// <summary>Creation order, which keeps endpoints of one DNS name in the order they were first seen.</summary>
    internal long Sequence { get; }

    public EndpointKey Key { get; }

    public int Weight { get; }

    public GrpcClient Client { get; }

    public int InFlight => Math.Max(0, Volatile.Read(ref inFlight));

    public EndpointHealth Health { get; internal set; }

    /// <summary>Left discovery: takes no new calls, and closes once its calls finish or the drain timeout passes.</summary>
    public bool IsDraining { get; internal set; }

    public bool IsClosed => Volatile.Read(ref inFlight) < 0;

    /// <summary>Ejected by outlier detection until this time (UTC ticks); 0 when not ejected.</summary>
    internal long EjectedUntilTicks { get; set; }

    /// <summary>When an ejection last failed for the ejection limit (UTC ticks), so that it is logged once an interval.</summary>
    internal long LimitLoggedTicks { get; set; }

    /// <summary>When the last ejection ended (UTC ticks).</summary>
    internal long EjectionEndedTicks { get; set; }

    /// <summary>Consecutive ejections, which lengthen the next one; decays while the endpoint behaves.</summary>
    internal int EjectionCount { get; set; }

    public string? EjectionReason { get; internal set; }

    public DateTime? DrainingSinceUtc { get; internal set; }

    internal int HealthStreak { get; set; }

    public string? LastHealthError { get; internal set; }

    public int ConsecutiveFailures => Volatile.Read(ref consecutiveFailures);

    public bool IsEjected(long nowTicks) => EjectedUntilTicks > nowTicks;

    /// <summary>Back from an ejection on probation: at most a few calls at once until one succeeds.</summary>
    public bool IsHalfOpen => Volatile.Read(ref probeSlots) != int.MaxValue;

    internal void EnterHalfOpen(int probes) => Volatile.Write(ref probeSlots, probes > 0 ? probes : int.MaxValue);

    internal void CloseCircuit() => Volatile.Write(ref probeSlots, int.MaxValue);

    /// <summary>Claims a probe slot when half-open; true when closed (no claim needed) or a slot was free.</summary>
    /// <param name="probe">Whether this call is a probe and must give its slot back with <see cref="ReturnProbe"/>.</param>
    internal bool TryClaimProbe(out bool probe)
    {
        probe = false;
        while (true)
        {
            var slots = Volatile.Read(ref probeSlots);
            if (slots == int.MaxValue)
            {
                return true;
            }

            if (slots <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref probeSlots, slots - 1, slots) == slots)
            {
                probe = true;
                return true;
            }
        }
    }

    internal void ReturnProbe()
    {
        while (true)
        {
            var slots = Volatile.Read(ref probeSlots);
            if (slots == int.MaxValue || Interlocked.CompareExchange(ref probeSlots, slots + 1, slots) == slots)
            {
                return;
            }
        }
    }

    public long CallsWith(GrpcStatusCode code) => Volatile.Read(ref callsByStatus[(int)code]);

    /// <summary>Counts a call in; fails once the endpoint is closed.</summary>
    internal bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref inFlight);
            if (current < 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref inFlight, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    internal int Release() => Interlocked.Decrement(ref inFlight);

    /// <summary>Closes the endpoint if no call is in flight (or <paramref name="force"/>); true when this call closed it.</summary>
    internal bool TryClose(bool force)
    {
        while (true)
        {
            var current = Volatile.Read(ref inFlight);
            if (current < 0 || (current > 0 && !force))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref inFlight, -1, current) == current)
            {
                Client.Dispose();
                return true;
            }
        }
    }

    internal void CountCall(GrpcStatusCode code)
    {
        var slot = (uint)code < StatusSlots ? (int)code : StatusSlots - 1;
        Interlocked.Increment(ref callsByStatus[slot]);
    }

    /// <returns>The failure streak including this failure.</returns>
    /// <param name="forSuccessRate">Whether the interval counters are kept (only success-rate ejection reads them).</param>
    internal int CountFailure(bool forSuccessRate)
    {
        if (forSuccessRate)
        {
            Interlocked.Increment(ref intervalCalls);
        }

        return Interlocked.Increment(ref consecutiveFailures);
    }

    internal void CountSuccess(bool forSuccessRate)
    {
        if (forSuccessRate)
        {
            Interlocked.Increment(ref intervalCalls);
            Interlocked.Increment(ref intervalSuccesses);
        }

        if (Volatile.Read(ref consecutiveFailures) != 0)
        {
            Volatile.Write(ref consecutiveFailures, 0);
        }
    }

    internal void ResetFailureStreak() => Volatile.Write(ref consecutiveFailures, 0);

    /// <summary>Calls and successes since the last review; the counters restart.</summary>
    internal (long Calls, long Successes) TakeInterval() =>
        (Interlocked.Exchange(ref intervalCalls, 0), Interlocked.Exchange(ref intervalSuccesses, 0));

    /// <summary>
    /// This endpoint's points on a <c>ring_hash</c> ring, hashed once and kept: a ring rebuilt after an ejection or a
    /// health change reuses them (a rebuild happens under the cluster's lock).
    /// </summary>
    internal ulong[] RingPoints(int count)
    {
        var cached = Volatile.Read(ref ringPoints);
        if (cached?.Length == count)
        {
            return cached;
        }

        var name = Key.ToString();
        var points = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            points[i] = Balancing.AffinityHash.Of(name + "#" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Volatile.Write(ref ringPoints, points);
        return points;
    }

    public override string ToString() => Key.ToString();
}
