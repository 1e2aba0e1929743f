namespace Strait.Resilience;

/// <summary>
/// One edge rate limit (<c>rateLimits.NAME</c>): permits per window for each client key, over the routes it claims
/// (every route when it claims none). A request must pass every limit that covers its route; one that does not gets
/// 429 with Retry-After. Documented in docs/resilience.md.
/// </summary>
internal sealed class RateLimitOptions
{
    /// <summary>
    /// Whose requests share a budget: <c>global</c> (everyone), <c>ip</c> (the client address), <c>header:NAME</c>
    /// (an API key header; requests without it are counted by address) or <c>jwt:CLAIM</c> (a claim of the bearer
    /// token, read, not verified; requests without one are counted by address).
    /// </summary>
    public string Key { get; set; } = "ip";

    /// <summary><c>token_bucket</c> (default: bursts up to <see cref="Limit"/>), <c>fixed_window</c> or <c>sliding_window</c>.</summary>
    public string Algorithm { get; set; } = "token_bucket";

    /// <summary>Permits per <see cref="Window"/> (the bucket size and refill for <c>token_bucket</c>).</summary>
    public int Limit { get; set; } = 100;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Segments of a <c>sliding_window</c>.</summary>
    public int Segments { get; set; } = 4;

    /// <summary>Requests that may wait for a permit instead of getting 429 at once; kept short on purpose. Default 0.</summary>
    public int QueueLimit { get; set; }

    public List<string> Services { get; set; } = [];

    public List<string> Methods { get; set; } = [];

    public List<string> Routes { get; set; } = [];
}
