using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Strait.Errors;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>
/// A call's place in its cluster, for calls that stream or are proxied: admitted by the bulkhead and holding one
/// endpoint's lease, which <see cref="Finish"/> completes with the call's status (or abandons, without one). A stream
/// also holds its place under <see cref="StreamLimits"/>: its deadline is capped at the maximum lifetime, and its
/// <see cref="Token"/> fires when it stays idle too long. Such calls make a single attempt, so unlike
/// <see cref="ResilientInvoker"/> there is nothing to retry or pay for.
/// </summary>
internal sealed class StreamSlot : IDisposable
{
    /// <summary>
    /// How long a stream's ending (trailers, an error line or frame, a close handshake) may wait for a client that does
    /// not read before the stream is reset instead.
    /// </summary>
    public static readonly TimeSpan EndingGrace = TimeSpan.FromSeconds(5);

    private readonly RateLimitLease admission;
    private readonly EndpointLease lease;
    private readonly StreamLimits limits;
    private readonly string client;
    private readonly CancellationTokenSource expiry;
    private readonly ITimer? idleTimer;
    private readonly CancellationToken aborted;
    private long lastActivity = Stopwatch.GetTimestamp();
    private bool finished;

    private StreamSlot(RateLimitLease admission, EndpointLease lease, StreamLimits limits, string client, DateTime deadlineUtc, CancellationToken aborted)
    {
        this.admission = admission;
        this.lease = lease;
        this.limits = limits;
        this.client = client;
        this.aborted = aborted;
        Deadline = limits.MaxLifetime is { } lifetime && DateTime.UtcNow + lifetime < deadlineUtc ? DateTime.UtcNow + lifetime : deadlineUtc;
        // The token also fires at the deadline, so that a write the client does not take (a stalled reader) ends then
        // too, not only the upstream call.
        expiry = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var remaining = Deadline - DateTime.UtcNow;
        expiry.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        Token = expiry.Token;
        if (limits.IdleTimeout is { } timeout)
        {
            var period = timeout / 4 > TimeSpan.FromMilliseconds(10) ? timeout / 4 : TimeSpan.FromMilliseconds(10);
            idleTimer = TimeProvider.System.CreateTimer(static state => ((StreamSlot)state!).CheckIdle(), this, period, period);
        }
    }

    private GrpcClient Client => lease.Client;

    /// <summary>The call's deadline: the request's, capped at <c>streaming.maxLifetime</c> from now.</summary>
    public DateTime Deadline { get; }

    /// <summary>Cancels the call and its writes when the client goes away, at the deadline, and (with <c>streaming.idleTimeout</c>) when the stream idles.</summary>
    public CancellationToken Token { get; }

    /// <summary>Set once the idle timeout ended the stream: the status to report instead of a cancellation.</summary>
    public GrpcStatus? Expired { get; private set; }

    /// <returns>The slot, or the problem that refuses the call (stream caps, cluster at its caps, or no endpoint).</returns>
    public static async Task<(StreamSlot? Slot, Problem? Refusal)> TryTakeAsync(
        HttpContext context, UpstreamCluster cluster, GrpcMetadata metadata, DateTime deadlineUtc, StreamLimits limits)
    {
        var (client, tooMany) = limits.TryEnter(context);
        if (client is null)
        {
            return (null, tooMany);
        }

        RateLimitLease? admitted;
        try
        {
            admitted = await cluster.Admission.TryEnterAsync(deadlineUtc, context.RequestAborted).ConfigureAwait(false);
        }
        catch
        {
            // The client left while queued for the bulkhead: its place under the stream caps is given back.
            limits.Exit(client);
            throw;
        }

        if (admitted is null)
        {
            limits.Exit(client);
            return (null, ResilientInvoker.Overloaded(cluster));
        }

        if (cluster.TryPick(AffinityKey.HashOf(cluster.Settings.Affinity, context.Request.Headers, metadata)) is not { } lease)
        {
            admitted.Dispose();
            limits.Exit(client);
            return (null, Problems.NoEndpoint(cluster.Name));
        }

        return (new StreamSlot(admitted, lease, limits, client, deadlineUtc, context.RequestAborted), null);
    }

    /// <summary>
    /// Starts the call on the slot's endpoint with the slot's deadline. An endpoint removed (and its client closed) since
    /// it was picked makes a call that ended as UNAVAILABLE, as the unary path reports it, rather than a throw.
    /// </summary>
    public GrpcCall StartCall(string method, GrpcMetadata metadata, CancellationToken cancellationToken)
    {
        try
        {
            return Client.StartCall(method, metadata, Deadline, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            var removed = new GrpcStatus(GrpcStatusCode.Unavailable, "The endpoint was removed as the call started.", origin: StatusOrigin.Transport);
            return GrpcCall.CreateCompleted(removed, ClientCallScope.Start(Deadline, cancellationToken, abortable: false));
        }
    }

    /// <summary>Records that a message passed, either way: the idle clock starts again.</summary>
    public void Touch() => Volatile.Write(ref lastActivity, Stopwatch.GetTimestamp());

    /// <summary>The status to report for a call that ended with <paramref name="status"/>: the idle expiry if that is what ended it.</summary>
    public GrpcStatus Outcome(GrpcStatus status)
    {
        if (status.Code != GrpcStatusCode.Cancelled)
        {
            return status;
        }

        if (Expired is { } expired)
        {
            return expired;
        }

        // The slot's deadline timer and the call's own may fire together; either way the deadline ended it. The slot's
        // timer counts whole milliseconds and may fire just before the clock reaches the deadline: its token having
        // fired, without the client gone or the stream idle, is the deadline too.
        return (DateTime.UtcNow >= Deadline || Token.IsCancellationRequested) && !aborted.IsCancellationRequested
            ? new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.", origin: StatusOrigin.Local)
            : status;
    }

    /// <summary>Completes the endpoint lease with <paramref name="status"/> (abandons it when null), leaves the bulkhead and the stream caps.</summary>
    public void Finish(GrpcStatus? status)
    {
        if (finished)
        {
            return;
        }

        finished = true;
        if (status is null)
        {
            lease.Abandon();
        }
        else
        {
            lease.Complete(status);
        }

        admission.Dispose();
        limits.Exit(client);
        Dispose();
    }

    public void Dispose()
    {
        idleTimer?.Dispose();
        expiry.Dispose();
    }

    private void CheckIdle()
    {
        var timeout = limits.IdleTimeout!.Value;
        if (Expired is null && Stopwatch.GetElapsedTime(Volatile.Read(ref lastActivity)) >= timeout)
        {
            Expired = new GrpcStatus(GrpcStatusCode.DeadlineExceeded, $"The stream passed no message for {timeout.TotalSeconds:0.###} s (streaming.idleTimeout).", origin: StatusOrigin.Edge);
            try
            {
                expiry.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream finished meanwhile.
            }
        }
    }
}
