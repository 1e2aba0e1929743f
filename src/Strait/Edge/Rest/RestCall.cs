using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Errors;
using Strait.Gateway;
using Strait.Headers;
using Strait.Json;
using Strait.Observability;
using Strait.Resilience;
using Strait.Routing;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// One admitted REST request, as every call shape runs it: what admission (<see cref="RestTranscodingEndpoint"/>'s
/// steps 1–5) resolved, so that no call shape looks any of it up again or needs it passed one piece at a time.
/// </summary>
internal sealed class RestCall
{
    public required HttpContext Context { get; init; }

    public required GatewaySnapshot Snapshot { get; init; }

    /// <summary>The request target: its <see cref="RequestTarget.Path"/> is what <c>headers.skipPaths</c> match.</summary>
    public required RequestTarget Target { get; init; }

    public required RequestIdentity Identity { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>What the snapshot resolved for the route: cluster, call policy, rate limits, header rules.</summary>
    public required RoutePlan Plan { get; init; }

    public HttpRoute Route => Plan.Route!;

    public required RestCallShape Shape { get; init; }

    /// <summary>The method's gRPC path, <c>/package.Service/Method</c>.</summary>
    public string GrpcPath => Plan.GrpcPath;

    public UpstreamCluster Cluster => Plan.Cluster;

    public RouteCallPolicy Policy => Plan.Call;

    /// <summary>The route's header rules, for the reply's headers and trailers.</summary>
    public RouteHeaderRules Headers => Plan.Headers!;

    /// <summary>The request's metadata, mapped from its headers. A call shape may still add to it before the call starts.</summary>
    public required GrpcMetadata Metadata { get; init; }

    /// <summary>The <c>Idempotency-Key</c>, when the request has one.</summary>
    public required string? IdempotencyKey { get; init; }

    /// <summary>Path and query values, merged into every message of a streamed body; null when there are none.</summary>
    public required MessageBindings? Bindings { get; init; }

    /// <summary>
    /// The request message, for a shape that sends one (unary, server stream): the body and the values merged. Empty for
    /// a streamed body, which is sent message by message.
    /// </summary>
    public required ReadOnlyMemory<byte> Request { get; init; }

    public required DateTime DeadlineUtc { get; init; }

    public CancellationToken RequestAborted => Context.RequestAborted;

    /// <summary>A stream's place under the stream caps and the cluster's bulkhead, with the endpoint it goes to.</summary>
    /// <returns>The slot, or the problem that refuses the call.</returns>
    public Task<(StreamSlot? Slot, Problem? Refusal)> TakeStreamSlotAsync() =>
        StreamSlot.TryTakeAsync(Context, Cluster, Metadata, DeadlineUtc, Snapshot.StreamLimits);
}

/// <summary>How a REST call runs, from its method's streaming and how its body comes.</summary>
internal enum RestCallShape
{
    /// <summary>One request message, one reply.</summary>
    Unary,

    /// <summary>One request message (a bidirectional route without a streamed body too); replies as NDJSON or SSE.</summary>
    ServerStream,

    /// <summary>The body's messages sent as they arrive; one reply.</summary>
    ClientStream,

    /// <summary>The body's messages sent while the replies are written as NDJSON or SSE.</summary>
    Bidi,

    /// <summary>Messages both ways as WebSocket frames.</summary>
    WebSocket,
}
