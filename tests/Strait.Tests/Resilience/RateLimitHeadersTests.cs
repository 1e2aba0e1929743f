using System.Net;
using Microsoft.AspNetCore.Http;
using Strait.Resilience;

namespace Strait.Tests.Resilience;

public sealed class RateLimitHeadersTests
{
    [Fact]
    public async Task No_limit_admits_and_writes_no_headers()
    {
        var context = Request();

        Assert.Null(await RateLimitHeaders.AdmitAsync(context, []));
        Assert.Empty(context.Response.Headers);
    }

    [Fact]
    public async Task An_admitted_request_reports_its_limit_what_remains_and_the_window()
    {
        using var limit = Limit("per-ip", new RateLimitOptions { Limit = 3, Window = TimeSpan.FromSeconds(60) });
        var context = Request();

        Assert.Null(await RateLimitHeaders.AdmitAsync(context, [limit]));

        var headers = context.Response.Headers;
        Assert.Equal(("3", "2", "60"), (headers["RateLimit-Limit"].ToString(), headers["RateLimit-Remaining"].ToString(), headers["RateLimit-Reset"].ToString()));
        Assert.Equal(("3", "2"), (headers["X-RateLimit-Limit"].ToString(), headers["X-RateLimit-Remaining"].ToString()));
        var reset = long.Parse(headers["X-RateLimit-Reset"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 58, 60);
    }

    [Fact]
    public async Task The_limit_with_the_smallest_share_left_is_reported()
    {
        using var small = Limit("small", new RateLimitOptions { Limit = 2, Window = TimeSpan.FromSeconds(10) });
        using var large = Limit("large", new RateLimitOptions { Limit = 10, Window = TimeSpan.FromSeconds(60) });
        for (var i = 0; i < 6; i++)
        {
            await RateLimitHeaders.AdmitAsync(Request(), [large]);
        }

        var context = Request();
        await RateLimitHeaders.AdmitAsync(context, [small, large]);

        // small has 1 of 2 left (50 %), large 3 of 10 (30 %): large is the tighter although more of its permits are left.
        Assert.Equal(("10", "3", "60"), Reported(context));
    }

    [Fact]
    public async Task Of_two_limits_with_equal_shares_left_the_first_is_reported()
    {
        using var first = Limit("first", new RateLimitOptions { Limit = 2, Window = TimeSpan.FromSeconds(10) });
        using var second = Limit("second", new RateLimitOptions { Limit = 4, Window = TimeSpan.FromSeconds(20) });
        await RateLimitHeaders.AdmitAsync(Request(), [second]);
        var context = Request();

        await RateLimitHeaders.AdmitAsync(context, [first, second]);

        Assert.Equal(("2", "1", "10"), Reported(context)); // 1 of 2 and 2 of 4
    }

    [Fact]
    public async Task A_refused_request_is_a_429_naming_the_limit_with_its_retry_time()
    {
        using var limit = Limit("per-ip", new RateLimitOptions { Limit = 1, Window = TimeSpan.FromSeconds(60), Algorithm = "fixed_window" });
        await RateLimitHeaders.AdmitAsync(Request(), [limit]);
        var refused = Request();

        var problem = await RateLimitHeaders.AdmitAsync(refused, [limit]);

        Assert.NotNull(problem);
        Assert.Equal((429, "rate-limited"), (problem.Status, problem.TypeSlug));
        Assert.Contains("'per-ip'", problem.Detail, StringComparison.Ordinal);
        Assert.InRange(problem.RetryAfter!.Value, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
        Assert.Equal(("1", "0"), (refused.Response.Headers["RateLimit-Limit"].ToString(), refused.Response.Headers["RateLimit-Remaining"].ToString()));
        Assert.InRange(int.Parse(refused.Response.Headers["RateLimit-Reset"].ToString(), System.Globalization.CultureInfo.InvariantCulture), 55, 60);
    }

    [Fact]
    public async Task A_later_limit_is_not_charged_when_an_earlier_one_refuses()
    {
        using var first = Limit("first", new RateLimitOptions { Limit = 1, Window = TimeSpan.FromSeconds(60) });
        using var second = Limit("second", new RateLimitOptions { Limit = 5, Window = TimeSpan.FromSeconds(60) });
        await RateLimitHeaders.AdmitAsync(Request(), [first, second]);

        Assert.NotNull(await RateLimitHeaders.AdmitAsync(Request(), [first, second]));
        var probe = Request();
        await RateLimitHeaders.AdmitAsync(probe, [second]);

        Assert.Equal("3", probe.Response.Headers["RateLimit-Remaining"].ToString());
    }

    [Fact]
    public async Task Each_client_spends_its_own_permits()
    {
        using var limit = Limit("per-ip", new RateLimitOptions { Limit = 1, Window = TimeSpan.FromSeconds(60) });

        Assert.Null(await RateLimitHeaders.AdmitAsync(Request("10.0.0.1"), [limit]));
        Assert.Null(await RateLimitHeaders.AdmitAsync(Request("10.0.0.2"), [limit]));
        Assert.NotNull(await RateLimitHeaders.AdmitAsync(Request("10.0.0.1"), [limit]));
    }

    private static (string Limit, string Remaining, string Reset) Reported(HttpContext context) =>
        (context.Response.Headers["RateLimit-Limit"].ToString(), context.Response.Headers["RateLimit-Remaining"].ToString(), context.Response.Headers["RateLimit-Reset"].ToString());

    private static EdgeRateLimit Limit(string name, RateLimitOptions options)
    {
        var errors = new List<string>();
        var settings = RateLimitsValidator.Validate(new Dictionary<string, RateLimitOptions> { [name] = options }, errors);
        Assert.True(settings is not null && errors.Count == 0, string.Join("; ", errors));
        return EdgeRateLimit.Create(Assert.Single(settings));
    }

    private static DefaultHttpContext Request(string address = "10.0.0.1")
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return context;
    }
}
