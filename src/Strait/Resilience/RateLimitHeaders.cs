using System.Globalization;
using Microsoft.AspNetCore.Http;
using Strait.Errors;

namespace Strait.Resilience;

/// <summary>
/// Applies a route's rate limits to a request and reports the tightest one in <c>RateLimit-Limit</c>,
/// <c>RateLimit-Remaining</c> and <c>RateLimit-Reset</c> (seconds), and the same as <c>X-RateLimit-*</c> with the reset
/// as a Unix time, as GitHub sends them.
/// </summary>
internal static class RateLimitHeaders
{
    /// <returns>A 429 problem when a limit refuses the request; null when every limit admits it.</returns>
    public static async ValueTask<Problem?> AdmitAsync(HttpContext context, EdgeRateLimit[] limits)
    {
        if (limits.Length == 0)
        {
            return null;
        }

        RateLimitDecision? tightest = null;
        foreach (var limit in limits)
        {
            var decision = await limit.AcquireAsync(context).ConfigureAwait(false);
            if (!decision.Allowed)
            {
                Write(context.Response, decision);
                return Problems.RateLimited(limit.Name, decision.RetryAfter);
            }

            if (tightest is not { } current || decision.Remaining * current.Limit.Limit < current.Remaining * decision.Limit.Limit)
            {
                tightest = decision;
            }
        }

        Write(context.Response, tightest!.Value);
        return null;
    }

    private static void Write(HttpResponse response, RateLimitDecision decision)
    {
        var limit = decision.Limit.Limit.ToString(CultureInfo.InvariantCulture);
        var remaining = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        var resetSeconds = (long)Math.Ceiling(Math.Max(0, (decision.Allowed ? decision.Limit.Window : decision.RetryAfter).TotalSeconds));
        var headers = response.Headers;
        headers["RateLimit-Limit"] = limit;
        headers["RateLimit-Remaining"] = remaining;
        headers["RateLimit-Reset"] = resetSeconds.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Limit"] = limit;
        headers["X-RateLimit-Remaining"] = remaining;
        headers["X-RateLimit-Reset"] = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + resetSeconds).ToString(CultureInfo.InvariantCulture);
    }
}
