using System.Threading.RateLimiting;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Strait.Routing;

namespace Strait.Resilience;

/// <summary>
/// The configured rate limits, live for the gateway's lifetime: a new schema resolves them to its routes again
/// (<see cref="Resolve"/>) without resetting anyone's permits.
/// </summary>
internal sealed class EdgeRateLimiters : IDisposable
{
    private readonly List<(EdgeRateLimit Limit, RouteClaimLists Claims)> limits;

    private EdgeRateLimiters(List<(EdgeRateLimit, RouteClaimLists)> limits) => this.limits = limits;

    /// <param name="settings">The checked limits (<see cref="RateLimitsValidator"/>).</param>
    public static EdgeRateLimiters Create(IReadOnlyList<RateLimitSettings> settings)
    {
        var limits = new List<(EdgeRateLimit, RouteClaimLists)>(settings.Count);
        foreach (var limit in settings)
        {
            limits.Add((EdgeRateLimit.Create(limit), limit.Claims));
        }

        return new EdgeRateLimiters(limits);
    }

    /// <summary>The limits of each route and method of <paramref name="routes"/>.</summary>
    /// <returns>Null when <paramref name="errors"/> got problems (a claim naming what the schema lacks).</returns>
    /// <summary>Resolves every limit's claims on <paramref name="routes"/>; problems go to <paramref name="errors"/>.</summary>
    public EdgeRateLimitClaims Resolve(RouteTable routes, List<string> errors)
    {
        var resolved = new List<(EdgeRateLimit, RouteClaimResolution?)>(limits.Count);
        foreach (var (limit, claimLists) in limits)
        {
            var everyRoute = claimLists.Services.Count == 0 && claimLists.Methods.Count == 0 && claimLists.Routes.Count == 0;
            resolved.Add((limit, everyRoute ? null : RouteClaims.Resolve([KeyValuePair.Create(limit.Name, claimLists)], routes, "rateLimits", "limited by", errors)));
        }

        return new EdgeRateLimitClaims(resolved);
    }

    public void Dispose()
    {
        foreach (var (limit, _) in limits)
        {
            limit.Dispose();
        }
    }
}

/// <summary>Which limits apply to each route and method of one route table: those that claim it, and those that claim nothing (every route).</summary>
internal sealed class EdgeRateLimitClaims
{
    private readonly List<(EdgeRateLimit Limit, RouteClaimResolution? Claims)> limits;

    internal EdgeRateLimitClaims(List<(EdgeRateLimit, RouteClaimResolution?)> limits) => this.limits = limits;

    public EdgeRateLimit[] For(HttpRoute route) => [.. limits.Where(l => l.Claims is null || l.Claims.ByRoute.ContainsKey(route)).Select(l => l.Limit)];

    public EdgeRateLimit[] For(MethodDescriptor method) => [.. limits.Where(l => l.Claims is null || l.Claims.ByMethod.ContainsKey(method)).Select(l => l.Limit)];
}

/// <summary>One configured limit: its partitioned limiter and how it finds a request's client key.</summary>
internal sealed class EdgeRateLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter;
    private readonly ClientPartition clientKey;
    private readonly int queueLimit;

    private EdgeRateLimit(string name, int limit, TimeSpan window, int queueLimit, ClientPartition clientKey, PartitionedRateLimiter<string> limiter)
    {
        this.queueLimit = queueLimit;
        Name = name;
        Limit = limit;
        Window = window;
        this.clientKey = clientKey;
        this.limiter = limiter;
    }

    public string Name { get; }

    public int Limit { get; }

    public TimeSpan Window { get; }

    /// <summary>Takes a permit for the request's client, waiting in the bounded queue if one is configured.</summary>
    public async ValueTask<RateLimitDecision> AcquireAsync(HttpContext context)
    {
        var key = clientKey.Of(context);
        // With a queue, AcquireAsync answers at once when a permit is free or the queue is full, and waits otherwise.
        var lease = queueLimit > 0
            ? await limiter.AcquireAsync(key, 1, context.RequestAborted).ConfigureAwait(false)
            : limiter.AttemptAcquire(key);

        using (lease)
        {
            var remaining = limiter.GetStatistics(key)?.CurrentAvailablePermits ?? 0;
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Window;
            return new RateLimitDecision(this, lease.IsAcquired, Math.Max(0, remaining), retryAfter);
        }
    }

    public void Dispose() => limiter.Dispose();

    internal static EdgeRateLimit Create(RateLimitSettings settings)
    {
        var (limit, window, queue, segments) = (settings.Limit, settings.Window, settings.QueueLimit, settings.Segments);
        var limiter = settings.Algorithm switch
        {
            RateLimitAlgorithm.FixedWindow => PartitionedRateLimiter.Create<string, string>(k => RateLimitPartition.GetFixedWindowLimiter(k, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = window,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })),
            RateLimitAlgorithm.SlidingWindow => PartitionedRateLimiter.Create<string, string>(k => RateLimitPartition.GetSlidingWindowLimiter(k, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = window,
                SegmentsPerWindow = segments,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })),
            _ => PartitionedRateLimiter.Create<string, string>(k => RateLimitPartition.GetTokenBucketLimiter(k, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limit,
                TokensPerPeriod = limit,
                ReplenishmentPeriod = window,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })),
        };
        return new EdgeRateLimit(settings.Name, limit, window, queue, settings.ClientKey, limiter);
    }
}

/// <summary>One limit's verdict on one request, with what the <c>RateLimit-*</c> headers report.</summary>
internal readonly record struct RateLimitDecision(EdgeRateLimit Limit, bool Allowed, long Remaining, TimeSpan RetryAfter);
