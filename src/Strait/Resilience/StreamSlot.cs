using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Strait.Errors;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>
/// A streaming call's place in its cluster: admitted by the bulkhead and holding one endpoint's lease, which
/// <see cref="Finish"/> completes with the call's status (or abandons, without one). Streams make a single attempt,
/// so unlike <see cref="ResilientInvoker"/> there is nothing to retry or pay for.
/// </summary>
public sealed class StreamSlot
{
    private readonly RateLimitLease admission;
    private readonly EndpointLease lease;

    private StreamSlot(RateLimitLease admission, EndpointLease lease)
    {
        this.admission = admission;
        this.lease = lease;
    }

    public GrpcClient Client => lease.Client;

    /// <returns>The slot, or the 503 problem that refuses the call (cluster at its caps, or no endpoint).</returns>
    public static async Task<(StreamSlot? Slot, Problem? Refusal)> TryTakeAsync(HttpContext context, UpstreamCluster cluster, GrpcMetadata metadata, DateTime deadlineUtc)
    {
        var admitted = await cluster.Admission.TryEnterAsync(deadlineUtc, context.RequestAborted).ConfigureAwait(false);
        if (admitted is null)
        {
            return (null, ResilientInvoker.Overloaded(cluster));
        }

        if (cluster.TryPick(AffinityKey.HashOf(cluster.Settings.Affinity, context.Request.Headers, metadata)) is not { } lease)
        {
            admitted.Dispose();
            return (null, Problems.NoEndpoint(cluster.Name));
        }

        return (new StreamSlot(admitted, lease), null);
    }

    /// <summary>Completes the endpoint lease with <paramref name="status"/> (abandons it when null) and leaves the bulkhead.</summary>
    public void Finish(GrpcStatus? status)
    {
        if (status is null)
        {
            lease.Abandon();
        }
        else
        {
            lease.Complete(status);
        }

        admission.Dispose();
    }
}
