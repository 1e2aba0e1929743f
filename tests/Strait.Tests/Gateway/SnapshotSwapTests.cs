using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Strait.Configuration;
using Strait.Gateway;
using Strait.Headers;
using Strait.Observability;
using Strait.Wire;

namespace Strait.Tests.Gateway;

/// <summary>
/// What outlives schema swaps (the runtime: clusters, limiters, header rules) must not keep old snapshots' routes and
/// descriptors alive: a gateway that reloads its schema for weeks would grow without bound.
/// </summary>
// The heap is process-wide: measured while other tests run, their allocations count as this test's growth.
[Collection(SnapshotSwapCollection.Name)]
public sealed class SnapshotSwapTests
{
    private const int Swaps = 100;

    [Fact]
    public async Task A_hundred_swaps_leave_only_the_current_snapshot_alive_and_memory_bounded()
    {
        await using var runtime = GatewayRuntime.Create(StraitSettings.Validate(Options(), new ValidationContext { RequireBackend = false }));
        var holder = HolderOf(runtime);
        var retired = new List<WeakReference>();

        var baseline = 0L;
        for (var swap = 0; swap < Swaps; swap++)
        {
            retired.AddRange(SwapAndServe(runtime, holder));
            if (swap == 9)
            {
                baseline = LiveBytes();
            }
        }

        var after = LiveBytes();
        var alive = retired.Count(reference => reference.IsAlive);
        Assert.True(alive == 0, $"{alive} of {retired.Count} retired snapshots, routes and descriptors are still reachable");
        // 90 more swaps of a schema with 13 routes: a leak of one snapshot per swap is megabytes; noise is far below.
        Assert.True(after - baseline < 4 * 1024 * 1024, $"live memory grew {after - baseline} bytes over 90 swaps");
        GC.KeepAlive(holder.Current);
    }

    [Fact]
    public async Task The_current_snapshot_keeps_its_plans()
    {
        await using var runtime = GatewayRuntime.Create(StraitSettings.Validate(Options(), new ValidationContext { RequireBackend = false }));
        var holder = new GatewaySnapshotHolder(runtime.BuildSnapshot([]));
        var route = holder.Current.RouteTable.Routes[0];
        var plan = holder.Current.Plans.For(route);

        CollectGarbage();

        Assert.Same(plan, holder.Current.Plans.For(route));
        Assert.Same(route, plan.Route);
        Assert.Equal("tenant", Assert.Single(plan.Headers!.Incoming).MetadataKey);
    }

    /// <summary>Builds the next snapshot, serves a request on every route of the old one, swaps; weak references to the old one's parts.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] SwapAndServe(GatewayRuntime runtime, GatewaySnapshotHolder holder)
    {
        var old = holder.Current;
        foreach (var route in old.RouteTable.Routes)
        {
            var plan = old.Plans.For(route);
            var context = new DefaultHttpContext();
            context.Request.Headers["X-Tenant"] = "acme";
            var problem = IncomingHeaderMapper.Map(
                context.Request, route.Template.ToString(), plan.Headers!, old.Headers, new RequestIdentity("r", "t"), new GrpcMetadata(), NullLogger.Instance);
            Assert.Null(problem);
            _ = old.Plans.For(route.Method);
        }

        holder.Swap(runtime.BuildSnapshot([]));
        return [new WeakReference(old), new WeakReference(old.RouteTable.Routes[0]), new WeakReference(old.Schema.Services[0])];
    }

    // Built in a frame of its own, so that no temporary of the test's frame keeps the first snapshot reachable.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static GatewaySnapshotHolder HolderOf(GatewayRuntime runtime) => new(runtime.BuildSnapshot([]));

    private static StraitOptions Options()
    {
        var todo = Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos");
        var options = new StraitOptions { Backend = { Addresses = ["127.0.0.1:1"] } };
        options.Schema.Protos.Add(Path.Combine(todo, "todo.proto"));
        options.Schema.ProtoPaths.Add(todo);
        options.Headers.Rules.Add(new HeaderRuleOptions { HttpHeader = "X-Tenant", GrpcMetadata = "tenant" });
        return options;
    }

    private static long LiveBytes()
    {
        CollectGarbage();
        return GC.GetTotalMemory(forceFullCollection: true);
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

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SnapshotSwapCollection
{
    public const string Name = "Snapshot swaps measure the heap alone";
}
