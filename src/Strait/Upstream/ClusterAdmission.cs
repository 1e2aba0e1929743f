using System.Threading.RateLimiting;

namespace Strait.Upstream;

/// <summary>
/// A cluster's bulkhead: at most <c>maxRequests</c> calls in flight, at most <c>maxPending</c> more waiting (each for
/// at most <c>maxPendingWait</c> and its deadline), and at most <c>maxRetries</c> retries or hedges in flight. Beyond
/// that calls are refused at once, so overload turns into fast 503s instead of an unbounded queue.
/// </summary>
internal sealed class ClusterAdmission : IDisposable
{
    private readonly ConcurrencyLimiter limiter;
    private readonly TimeSpan maxPendingWait;
    private readonly int maxRetries;
    private int retriesInFlight;
    private long rejected;
    private long retriesRefused;

    public ClusterAdmission(int maxRequests, int maxPending, TimeSpan maxPendingWait, int maxRetries)
    {
        limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = maxRequests,
            QueueLimit = maxPending,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        this.maxPendingWait = maxPendingWait;
        this.maxRetries = maxRetries;
    }

    /// <summary>Calls refused because the cluster was at its limits.</summary>
    public long Rejected => Interlocked.Read(ref rejected);

    /// <summary>Retries and hedges not sent because <c>maxRetries</c> were in flight.</summary>
    public long RetriesRefused => Interlocked.Read(ref retriesRefused);

    public int RetriesInFlight => Volatile.Read(ref retriesInFlight);

    /// <summary>Admits a call, waiting in the bounded queue if need be; null when the call is refused.</summary>
    /// <remarks>The caller's cancellation propagates as <see cref="OperationCanceledException"/>.</remarks>
    public async ValueTask<RateLimitLease?> TryEnterAsync(DateTime deadlineUtc, CancellationToken cancellationToken)
    {
        var lease = limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        var wait = deadlineUtc - DateTime.UtcNow;
        if (wait > maxPendingWait)
        {
            wait = maxPendingWait;
        }

        if (wait > TimeSpan.Zero)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(wait);
            try
            {
                lease = await limiter.AcquireAsync(1, bounded.Token).ConfigureAwait(false);
                if (lease.IsAcquired)
                {
                    return lease;
                }

                lease.Dispose();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        Interlocked.Increment(ref rejected);
        return null;
    }

    /// <summary>Claims a retry slot; release it with <see cref="ExitRetry"/> once the attempt ends.</summary>
    public bool TryEnterRetry()
    {
        if (maxRetries <= 0)
        {
            Interlocked.Increment(ref retriesInFlight);
            return true;
        }

        if (Interlocked.Increment(ref retriesInFlight) > maxRetries)
        {
            Interlocked.Decrement(ref retriesInFlight);
            Interlocked.Increment(ref retriesRefused);
            return false;
        }

        return true;
    }

    public void ExitRetry() => Interlocked.Decrement(ref retriesInFlight);

    public void Dispose() => limiter.Dispose();
}
