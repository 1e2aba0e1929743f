namespace Strait.Observability;

/// <summary>
/// Caps repeated warnings and errors: per category and event id, at most <see cref="LinesPerWindow"/> lines per
/// <see cref="Window"/>; the rest are counted and reported as one summary line when the window ends, so that nothing a
/// client can trigger over and over floods the log. Not thread-safe: the provider calls it under its lock.
/// </summary>
internal sealed class RepeatedLineLimiter
{
    public const int LinesPerWindow = 5;

    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Dictionary<(string Category, int EventId), Tally> tallies = [];
    private int suppressing;

    /// <summary>Whether some lines wait to be summarized.</summary>
    public bool HasSuppressed => suppressing > 0;

    /// <summary>Whether a line of <paramref name="category"/> and <paramref name="eventId"/> may be written at <paramref name="nowTicks"/>.</summary>
    public bool Admit(string category, int eventId, long nowTicks)
    {
        if (!tallies.TryGetValue((category, eventId), out var tally))
        {
            // Keys are category and event id pairs, a fixed set in practice; a stale one is dropped once summarized.
            tallies[(category, eventId)] = new Tally { Start = nowTicks, Written = 1 };
            return true;
        }

        if (nowTicks - tally.Start >= Window.Ticks && tally.Suppressed == 0)
        {
            tally.Start = nowTicks;
            tally.Written = 0;
        }

        if (tally.Written < LinesPerWindow && tally.Suppressed == 0)
        {
            tally.Written++;
            return true;
        }

        if (tally.Suppressed++ == 0)
        {
            suppressing++;
        }

        return false;
    }

    /// <summary>The keys whose window ended with lines suppressed, and how many; their windows start over.</summary>
    public IReadOnlyList<(string Category, int EventId, long Suppressed)> TakeSummaries(long nowTicks)
    {
        if (suppressing == 0)
        {
            return [];
        }

        var summaries = new List<(string, int, long)>();

        foreach (var (key, tally) in tallies)
        {
            if (tally.Suppressed > 0 && nowTicks - tally.Start >= Window.Ticks)
            {
                summaries.Add((key.Category, key.EventId, tally.Suppressed));
                tally.Suppressed = 0;
                tally.Written = 0;
                tally.Start = nowTicks;
                suppressing--;
            }
        }

        return summaries;
    }

    /// <summary>Every pending summary, window ended or not (the log is closing).</summary>
    public IReadOnlyList<(string Category, int EventId, long Suppressed)> TakeAllSummaries() => TakeSummaries(long.MaxValue / 2);

    private sealed class Tally
    {
        public long Start { get; set; }

        public int Written { get; set; }

        public long Suppressed { get; set; }
    }
}
