using System.Runtime.CompilerServices;
using Strait.Headers;
using static Strait.Tests.Headers.HeaderMappingTestSupport;
using static Strait.Tests.Support.RoutingFixtures;

namespace Strait.Tests.Headers;

/// <summary>
/// The header mapping outlives schema swaps (it is compiled from configuration), while the routes it narrows its rules
/// for belong to one schema: its per-route cache must let the routes of old schemas go.
/// </summary>
public sealed class HeaderMappingPlanCacheTests
{
    private const int RoutesPerSchema = 12;

    [Fact]
    public void A_hundred_schema_swaps_leave_the_per_route_cache_bounded()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "X-Tenant", GrpcMetadata = "tenant" });

        for (var swap = 0; swap < 100; swap++)
        {
            UseRoutesOfOneSchema(plan, swap);
        }

        CollectGarbage();
        Assert.InRange(plan.CachedRouteCount, 0, RoutesPerSchema);
    }

    [Fact]
    public void Routes_in_use_keep_their_narrowed_rules()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "X-Tenant", GrpcMetadata = "tenant" });
        var route = Route("GET", "/v1/kept");
        var rules = plan.For(route);

        CollectGarbage();

        Assert.Same(rules, plan.For(route));
        GC.KeepAlive(route);
    }

    // Not inlined, so that no route of the loop stays reachable from this frame's stack.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseRoutesOfOneSchema(HeaderMappingPlan plan, int swap)
    {
        for (var i = 0; i < RoutesPerSchema; i++)
        {
            _ = plan.For(Route("GET", $"/v{swap}/things{i}"));
        }
    }

    private static void CollectGarbage()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }
}
