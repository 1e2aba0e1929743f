using Strait.Errors;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>
/// One hedged call (gRPC A6 <c>hedgingPolicy</c>): the first attempt goes out at once, each further one after the
/// hedging delay (or at once when an attempt fails with a non-fatal code), each to an endpoint not yet tried. The
/// first OK or fatal answer is committed and every other attempt is cancelled (RST_STREAM). Hedges past the first
/// attempt are paid for from the cluster's retry budget.
/// </summary>
internal sealed class HedgedCall : IDisposable
{
    private readonly UpstreamCluster cluster;
    private readonly UnaryCallRequest call;
    private readonly CancellationToken cancellationToken;
    private readonly List<UpstreamEndpoint> tried = new(2);
    private readonly List<Attempt> running = new(2);
    private int sent;
    private int transparent;

    public HedgedCall(UpstreamCluster cluster, UnaryCallRequest call, CancellationToken cancellationToken)
    {
        this.cluster = cluster;
        this.call = call;
        this.cancellationToken = cancellationToken;
    }

    public async Task<UnaryCallOutcome> RunAsync(HedgingPolicy hedging)
    {
        if (!TryStart(isHedge: false))
        {
            return UnaryCallOutcome.Rejected(Problems.NoEndpoint(cluster.Name), 0);
        }

        UnaryResult? lastFailure = null;
        var maxAttempts = hedging.MaxAttempts;
        var nextHedge = DateTime.UtcNow + hedging.Delay;
        while (true)
        {
            if (running.Count == 0)
            {
                return UnaryCallOutcome.Committed(lastFailure!, sent);
            }

            var canHedge = sent < maxAttempts && nextHedge < call.DeadlineUtc && !cancellationToken.IsCancellationRequested;
            var waits = new Task[running.Count + (canHedge ? 1 : 0)];
            for (var i = 0; i < running.Count; i++)
            {
                waits[i] = running[i].Result;
            }

            Task? timer = null;
            if (canHedge)
            {
                var wait = nextHedge - DateTime.UtcNow;
                // Not cancelled on the way out: it ends within one hedging delay and holds nothing.
                timer = wait > TimeSpan.Zero ? Task.Delay(wait, CancellationToken.None) : Task.CompletedTask;
                waits[^1] = timer;
            }

            var finished = await Task.WhenAny(waits).ConfigureAwait(false);
            if (finished == timer)
            {
                nextHedge = DateTime.UtcNow + hedging.Delay;
                if (!ResilientInvoker.TryPayForRetry(cluster))
                {
                    // No budget for hedges now: the attempts in flight finish on their own.
                    maxAttempts = sent;
                }
                else if (!TryStart(isHedge: true))
                {
                    cluster.Admission.ExitRetry();
                    maxAttempts = sent;
                }

                continue;
            }

            var attempt = running.Find(a => a.Result == finished)!;
            running.Remove(attempt);
            var result = await attempt.Finish(cluster).ConfigureAwait(false);
            var status = result.Status;
            var nonFatal = status.Code != GrpcStatusCode.Ok && hedging.NonFatal.Contains(status.Code) && status.Origin != StatusOrigin.Local;
            if (status.RequestNotProcessed && transparent < ResilientInvoker.MaxTransparentRetries && !cancellationToken.IsCancellationRequested
                && DateTime.UtcNow < call.DeadlineUtc && TryStart(isHedge: false))
            {
                // Never reached a server: sent again at once, outside the budget and the attempt count.
                transparent++;
                maxAttempts++;
                result.Dispose();
                continue;
            }

            if (!nonFatal || cancellationToken.IsCancellationRequested)
            {
                lastFailure?.Dispose();
                await CancelRunningAsync().ConfigureAwait(false);
                return UnaryCallOutcome.Committed(result, sent);
            }

            lastFailure?.Dispose();
            lastFailure = result;
            if (status.PushbackMilliseconds is { } pushback)
            {
                // A negative pushback asks for no further attempts; otherwise the next waits as long as asked (A6).
                maxAttempts = pushback < 0 ? sent : maxAttempts;
                nextHedge = DateTime.UtcNow + TimeSpan.FromMilliseconds(Math.Max(0, pushback));
            }
            else
            {
                nextHedge = DateTime.UtcNow;
            }
        }
    }

    /// <summary>Cancels and waits for attempts still running (only an exception leaves any), releasing their slots.</summary>
    public void Dispose()
    {
        if (running.Count == 0)
        {
            return;
        }

        foreach (var attempt in running)
        {
            attempt.Cancel.Cancel();
        }

        foreach (var attempt in running)
        {
            try
            {
                attempt.Finish(cluster).GetAwaiter().GetResult().Dispose();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Already failing with the exception that got us here.
            }
        }

        running.Clear();
    }

    private bool TryStart(bool isHedge)
    {
        if (cluster.TryPick(call.AffinityHash, tried) is not { } lease)
        {
            return false;
        }

        tried.Add(lease.Endpoint);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = lease.InvokeUnaryAsync(call.Path, call.Message, call.Metadata, call.DeadlineUtc, cancel.Token, sent);
        running.Add(new Attempt(task, cancel, isHedge));
        sent++;
        return true;
    }

    private async Task CancelRunningAsync()
    {
        foreach (var attempt in running)
        {
            await attempt.Cancel.CancelAsync().ConfigureAwait(false);
        }

        foreach (var attempt in running)
        {
            (await attempt.Finish(cluster).ConfigureAwait(false)).Dispose();
        }

        running.Clear();
    }

    private sealed record Attempt(Task<UnaryResult> Result, CancellationTokenSource Cancel, bool IsHedge)
    {
        public async Task<UnaryResult> Finish(UpstreamCluster cluster)
        {
            try
            {
                return await Result.ConfigureAwait(false);
            }
            finally
            {
                Cancel.Dispose();
                if (IsHedge)
                {
                    cluster.Admission.ExitRetry();
                }
            }
        }
    }
}
