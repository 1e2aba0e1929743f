using System.Globalization;
using Microsoft.AspNetCore.Http;
using Strait.Errors;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>
/// Every upstream call has a deadline. It comes from the client's <c>grpc-timeout</c> (as grpc-gateway honours it on
/// REST requests too), else from the REST timeout header, else from the route's default; the client's value is reduced
/// by the route's offset, and every value is capped by the route's maximum.
/// </summary>
internal static class DeadlineResolver
{
    /// <param name="defaultTimeout">The route's default: the policy's <c>timeout</c>, else the cluster's.</param>
    /// <returns>A 400 problem for a malformed timeout header; otherwise null, with <paramref name="deadlineUtc"/> set.</returns>
    public static Problem? Resolve(IHeaderDictionary headers, CallPolicy policy, TimeSpan defaultTimeout, string timeoutHeader, DateTime nowUtc, out DateTime deadlineUtc)
    {
        TimeSpan timeout;
        if (headers.TryGetValue(GrpcProtocol.TimeoutHeader, out var grpcTimeout) && grpcTimeout.Count > 0)
        {
            if (grpcTimeout.Count > 1 || !GrpcTimeout.TryParse(grpcTimeout[0], out timeout))
            {
                deadlineUtc = default;
                return Problems.InvalidHeader(GrpcProtocol.TimeoutHeader, "grpc-timeout must be 1 to 8 digits and a unit (H, M, S, m, u, n), e.g. 2S or 500m.");
            }

            timeout -= policy.DeadlineOffset;
        }
        else if (headers.TryGetValue(timeoutHeader, out var restTimeout) && restTimeout.Count > 0)
        {
            if (restTimeout.Count > 1 || !TryParseDuration(restTimeout[0], out timeout))
            {
                deadlineUtc = default;
                return Problems.InvalidHeader(timeoutHeader, $"{timeoutHeader} must be a positive duration: seconds (1.5) or a number with ms, s or m (250ms, 2s, 1m).");
            }

            timeout -= policy.DeadlineOffset;
        }
        else
        {
            timeout = policy.Timeout ?? defaultTimeout;
        }

        if (timeout > policy.MaxTimeout)
        {
            timeout = policy.MaxTimeout;
        }

        // Already spent (a tiny timeout, or one the offset used up): the call fails at once as DEADLINE_EXCEEDED.
        deadlineUtc = timeout > TimeSpan.Zero ? nowUtc + timeout : nowUtc;
        return null;
    }

    /// <summary>Parses <c>250ms</c>, <c>2s</c>, <c>1m</c> or a number of seconds (<c>1.5</c>); positive values only.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var value = text.AsSpan().Trim();
        double scale = TimeSpan.TicksPerSecond;
        if (value.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
        {
            scale = TimeSpan.TicksPerMillisecond;
            value = value[..^2];
        }
        else if (value.EndsWith("s", StringComparison.OrdinalIgnoreCase))
        {
            value = value[..^1];
        }
        else if (value.EndsWith("m", StringComparison.OrdinalIgnoreCase))
        {
            scale = TimeSpan.TicksPerMinute;
            value = value[..^1];
        }

        if (value.IsEmpty || !double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        var ticks = amount * scale;
        if (!(ticks >= 1) || ticks > TimeSpan.FromDays(1).Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }
}
