using Strait.Routing;

namespace Strait.Resilience;

/// <summary>How a limit counts its permits (<c>rateLimits.NAME.algorithm</c>).</summary>
internal enum RateLimitAlgorithm
{
    TokenBucket,
    FixedWindow,
    SlidingWindow,
}

/// <summary>One <c>rateLimits.NAME</c> entry, checked: what its <see cref="EdgeRateLimit"/> is built from.</summary>
internal sealed record RateLimitSettings(
    string Name,
    ClientPartition ClientKey,
    RateLimitAlgorithm Algorithm,
    int Limit,
    TimeSpan Window,
    int Segments,
    int QueueLimit,
    RouteClaimLists Claims);

/// <summary>The <c>rateLimits</c> section: every entry's errors, each under its key.</summary>
internal static class RateLimitsValidator
{
    /// <returns>The limits in configuration order; null when <paramref name="errors"/> got problems.</returns>
    public static List<RateLimitSettings>? Validate(IReadOnlyDictionary<string, RateLimitOptions> options, List<string> errors)
    {
        var before = errors.Count;
        var limits = new List<RateLimitSettings>();
        foreach (var (name, limit) in options)
        {
            if (Validate(name, "rateLimits." + name, limit, errors) is { } settings)
            {
                limits.Add(settings);
            }
        }

        return errors.Count > before ? null : limits;
    }

    private static RateLimitSettings? Validate(string name, string key, RateLimitOptions options, List<string> errors)
    {
        var before = errors.Count;
        void Error(string path, string text) => errors.Add($"{key}.{path}: {text}");
        if (options.Limit is < 1 or > 10_000_000)
        {
            Error("limit", $"must be between 1 and 10000000 (it is {options.Limit})");
        }

        if (options.Window < TimeSpan.FromMilliseconds(10) || options.Window > TimeSpan.FromDays(1))
        {
            Error("window", $"must be between 10 ms and 1 day (it is {options.Window})");
        }

        if (options.QueueLimit is < 0 or > 10_000)
        {
            Error("queueLimit", $"must be between 0 and 10000 (it is {options.QueueLimit})");
        }

        if (options.Segments is < 2 or > 100)
        {
            Error("segments", $"must be between 2 and 100 (it is {options.Segments})");
        }

        var clientKey = ClientPartition.TryParse(options.Key);
        if (clientKey is null)
        {
            Error("key", $"'{options.Key}' is not global, ip, header:NAME or jwt:CLAIM");
        }

        RateLimitAlgorithm? algorithm = options.Algorithm switch
        {
            "token_bucket" => RateLimitAlgorithm.TokenBucket,
            "fixed_window" => RateLimitAlgorithm.FixedWindow,
            "sliding_window" => RateLimitAlgorithm.SlidingWindow,
            _ => null,
        };
        if (algorithm is null)
        {
            Error("algorithm", $"'{options.Algorithm}' is not token_bucket, fixed_window or sliding_window");
        }

        return errors.Count > before
            ? null
            : new RateLimitSettings(
                name,
                clientKey!,
                algorithm!.Value,
                options.Limit,
                options.Window,
                options.Segments,
                options.QueueLimit,
                new RouteClaimLists(options.Services, options.Methods, options.Routes));
    }
}
