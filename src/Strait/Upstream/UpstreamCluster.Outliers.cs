using Microsoft.Extensions.Logging;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>
/// Passive health: endpoints whose calls keep failing (or whose success rate lags far behind the rest) are ejected
/// for a time that grows with repeated ejections, never more than the configured share of the cluster at once.
/// </summary>
internal sealed partial class UpstreamCluster
{
    private static readonly TimeSpan HousekeepingTick = TimeSpan.FromSeconds(1);

    private long nextReviewTicks;

    /// <summary>Ejects <paramref name="endpoint"/> after a failure streak, unless it already is or the ejection limit is reached.</summary>
    internal bool TryEject(UpstreamEndpoint endpoint, GrpcStatus last, int streak) =>
        TryEject(endpoint, () => $"{streak} consecutive failures, the last {last.Code.ToCanonicalName()} ({last.Origin})");

    /// <summary>Ejects <paramref name="endpoint"/> unless it already is or the ejection limit is reached.</summary>
    /// <param name="reason">Built only when the endpoint is ejected or the refusal is logged.</param>
    internal bool TryEject(UpstreamEndpoint endpoint, Func<string> reason)
    {
        TimeSpan duration;
        int ejected = 0;
        var limited = false;
        lock (gate)
        {
            var now = time.GetUtcNow().UtcTicks;
            if (endpoint.IsDraining || endpoint.IsEjected(now))
            {
                // Still called in panic mode: start counting afresh rather than re-entering here on every failure.
                endpoint.ResetFailureStreak();
                return false;
            }

            foreach (var other in endpoints)
            {
                ejected += other.IsEjected(now) ? 1 : 0;
            }

            if (ejected >= EjectionLimit(endpoints.Count))
            {
                endpoint.ResetFailureStreak();
                limited = now - endpoint.LimitLoggedTicks >= Settings.OutlierInterval.Ticks;
                if (limited)
                {
                    endpoint.LimitLoggedTicks = now;
                }

                duration = TimeSpan.Zero;
            }
            else
            {
                endpoint.EjectionCount++;
                var ticks = Math.Min(Settings.BaseEjectionTime.Ticks * endpoint.EjectionCount, Settings.MaxEjectionTime.Ticks);
                duration = TimeSpan.FromTicks(ticks);
                endpoint.EjectedUntilTicks = now + ticks;
                endpoint.EjectionReason = reason();
                endpoint.ResetFailureStreak();
                endpoint.CloseCircuit();
                RebuildLocked();
            }
        }

        if (duration == TimeSpan.Zero)
        {
            if (limited)
            {
                LogEjectionLimit(logger, Name, endpoint.Key.ToString(), reason(), ejected);
            }

            return false;
        }

        LogEjected(logger, Name, endpoint.Key.ToString(), duration.TotalSeconds, endpoint.EjectionReason ?? string.Empty);
        return true;
    }

    /// <summary>Once a tick: ends expired ejections, closes endpoints whose drain timed out, and every interval reviews outliers.</summary>
    internal void Housekeep()
    {
        var now = time.GetUtcNow().UtcTicks;
        var returned = new List<UpstreamEndpoint>();
        var forced = new List<UpstreamEndpoint>();
        var review = now >= Volatile.Read(ref nextReviewTicks);
        lock (gate)
        {
            foreach (var endpoint in endpoints)
            {
                if (endpoint.EjectedUntilTicks != 0 && endpoint.EjectedUntilTicks <= now)
                {
                    endpoint.EjectedUntilTicks = 0;
                    endpoint.EjectionEndedTicks = now;
                    endpoint.EjectionReason = null;
                    endpoint.ResetFailureStreak();
                    endpoint.EnterHalfOpen(Settings.HalfOpenProbes);
                    returned.Add(endpoint);
                }
            }

            for (var i = draining.Count - 1; i >= 0; i--)
            {
                var endpoint = draining[i];
                if (endpoint.DrainingSinceUtc is { } since && now - since.Ticks >= Settings.DrainTimeout.Ticks)
                {
                    draining.RemoveAt(i);
                    endpoint.TryClose(force: true);
                    forced.Add(endpoint);
                }
            }

            if (review)
            {
                Volatile.Write(ref nextReviewTicks, now + Settings.OutlierInterval.Ticks);
                foreach (var endpoint in endpoints)
                {
                    // An endpoint that stayed in rotation for a whole interval earns back a shorter next ejection.
                    if (endpoint.EjectionCount > 0 && !endpoint.IsEjected(now) && now - endpoint.EjectionEndedTicks >= Settings.OutlierInterval.Ticks)
                    {
                        endpoint.EjectionCount--;
                    }
                }
            }

            if (returned.Count > 0)
            {
                RebuildLocked();
            }
        }

        foreach (var endpoint in returned)
        {
            LogReturned(logger, Name, endpoint.Key.ToString());
        }

        foreach (var endpoint in forced)
        {
            LogDrainTimedOut(logger, Name, endpoint.Key.ToString(), Settings.DrainTimeout.TotalSeconds);
        }

        if (review)
        {
            ReviewSuccessRates();
        }
    }

    private int EjectionLimit(int endpointCount)
    {
        if (Settings.MaxEjectionPercent == 0)
        {
            return 0;
        }

        return Math.Max(1, endpointCount * Settings.MaxEjectionPercent / 100);
    }

    /// <summary>Ejects endpoints whose share of failed calls in the interval is too high, absolutely or against the others.</summary>
    private void ReviewSuccessRates()
    {
        UpstreamEndpoint[] current;
        lock (gate)
        {
            current = [.. endpoints];
        }

        var intervals = new List<(UpstreamEndpoint Endpoint, long Calls, double Rate)>(current.Length);
        foreach (var endpoint in current)
        {
            var (calls, successes) = endpoint.TakeInterval();
            if (calls > 0)
            {
                intervals.Add((endpoint, calls, (double)successes / calls));
            }
        }

        if (!Settings.OutlierDetectionEnabled)
        {
            return;
        }

        if (Settings.FailurePercentageEnabled)
        {
            var judged = intervals.FindAll(i => i.Calls >= Settings.FailurePercentageRequestVolume);
            if (judged.Count >= Settings.FailurePercentageMinimumHosts)
            {
                foreach (var (endpoint, _, rate) in judged)
                {
                    var failed = 100 * (1 - rate);
                    if (failed >= Settings.FailurePercentageThreshold)
                    {
                        TryEject(endpoint, () => FormattableString.Invariant($"{failed:0.#} % of its calls failed (failurePercentage.threshold is {Settings.FailurePercentageThreshold} %)"));
                    }
                }
            }
        }

        var rates = Settings.SuccessRateEnabled ? intervals.FindAll(i => i.Calls >= Settings.SuccessRateRequestVolume) : [];
        if (rates.Count == 0 || rates.Count < Settings.SuccessRateMinimumHosts)
        {
            return;
        }

        double mean = 0;
        foreach (var (_, _, rate) in rates)
        {
            mean += rate;
        }

        mean /= rates.Count;
        double variance = 0;
        foreach (var (_, _, rate) in rates)
        {
            variance += (rate - mean) * (rate - mean);
        }

        var threshold = mean - (Settings.SuccessRateStdevFactor * Math.Sqrt(variance / rates.Count));
        foreach (var (endpoint, _, rate) in rates)
        {
            if (rate < threshold)
            {
                TryEject(endpoint, () => FormattableString.Invariant($"success rate {rate:P1} below the cluster's threshold {threshold:P1} (mean {mean:P1})"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: endpoint {Endpoint} ejected for {Seconds} s: {Reason}")]
    private static partial void LogEjected(ILogger logger, string cluster, string endpoint, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: endpoint {Endpoint} not ejected ({Reason}): {Ejected} endpoints already are, the most maxEjectionPercent allows (logged once an interval)")]
    private static partial void LogEjectionLimit(ILogger logger, string cluster, string endpoint, string reason, int ejected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Cluster}: endpoint {Endpoint} back in rotation after its ejection")]
    private static partial void LogReturned(ILogger logger, string cluster, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: endpoint {Endpoint} closed with calls still running after draining for {Seconds} s")]
    private static partial void LogDrainTimedOut(ILogger logger, string cluster, string endpoint, double seconds);
}
