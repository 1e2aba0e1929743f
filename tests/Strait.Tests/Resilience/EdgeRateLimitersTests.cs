using Strait.Resilience;
using Strait.Routing;

namespace Strait.Tests.Resilience;

public sealed class EdgeRateLimitersTests
{
    private static readonly RouteTable Routes = RoutingFixtures.TodoTable();

    [Fact]
    public void A_limit_without_claims_covers_every_route_and_claimed_ones_only_theirs()
    {
        var errors = new List<string>();
        using var limiters = Create(
            new Dictionary<string, RateLimitOptions>
            {
                ["all"] = new() { Key = "global" },
                ["writes"] = new() { Key = "header:X-Api-Key", Routes = ["POST /v1/tasks"] },
            },
            errors);
        Assert.True(limiters is not null, string.Join("; ", errors));
        var limits = limiters.Resolve(Routes, errors);
        Assert.Empty(errors);

        var create = Routes.Routes.First(r => r.Method.Name == "CreateTodo");
        var get = Routes.Routes.First(r => r.Method.Name == "GetTodo");
        Assert.Equal(["all", "writes"], limits.For(create).Select(l => l.Name));
        Assert.Equal(["all"], limits.For(get).Select(l => l.Name));
    }

    [Fact]
    public void Limit_mistakes_are_configuration_errors_with_their_keys()
    {
        var errors = new List<string>();
        var settings = RateLimitsValidator.Validate(
            new Dictionary<string, RateLimitOptions>
            {
                ["bad"] = new() { Key = "cookie:session", Algorithm = "leaky", Limit = 0, Window = TimeSpan.Zero, QueueLimit = -1 },
            },
            errors);

        Assert.Null(settings);
        Assert.Contains("rateLimits.bad.key: 'cookie:session' is not global, ip, header:NAME or jwt:CLAIM", errors);
        Assert.Contains("rateLimits.bad.algorithm: 'leaky' is not token_bucket, fixed_window or sliding_window", errors);
        Assert.Contains("rateLimits.bad.limit: must be between 1 and 10000000 (it is 0)", errors);
        Assert.Contains(errors, e => e.StartsWith("rateLimits.bad.window:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rateLimits.bad.queueLimit:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_claim_the_schema_lacks_fails_resolution_against_that_schema()
    {
        var errors = new List<string>();
        using var limiters = Create(
            new Dictionary<string, RateLimitOptions> { ["scope"] = new() { Methods = ["strait.tests.routing.TodoService.Nope"] } },
            errors);
        Assert.NotNull(limiters);

        limiters.Resolve(Routes, errors);
        Assert.Contains(errors, e => e.StartsWith("rateLimits.scope.methods[0]: 'strait.tests.routing.TodoService.Nope' names no method", StringComparison.Ordinal));
    }

    private static EdgeRateLimiters? Create(Dictionary<string, RateLimitOptions> options, List<string> errors) =>
        RateLimitsValidator.Validate(options, errors) is { } settings ? EdgeRateLimiters.Create(settings) : null;
}
