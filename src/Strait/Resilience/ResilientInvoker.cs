using Google.Rpc;
using Strait.Errors;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>
/// Sends a unary call through its cluster's bulkhead and its route's policy: at most one committed answer, every
/// attempt inside the call's deadline, a different endpoint preferred for each further attempt, and every retry or
/// hedge paid for from the cluster's <see cref="RetryBudget"/>. Requests that never reached a server (connection
/// refused, REFUSED_STREAM) are sent again whatever the method, without touching the budget.
/// </summary>
internal static class ResilientInvoker
{
    /// <summary>Sends of one request that never reached a server, beyond the first: enough to step past a dead endpoint or two.</summary>
    public const int MaxTransparentRetries = 3;

    private static readonly TimeSpan OverloadRetryAfter = TimeSpan.FromSeconds(1);

    public static async Task<UnaryCallOutcome> InvokeAsync(UpstreamCluster cluster, CallPolicy policy, UnaryCallRequest call, CancellationToken cancellationToken)
    {
        using var admitted = await cluster.Admission.TryEnterAsync(call.DeadlineUtc, cancellationToken).ConfigureAwait(false);
        if (admitted is null)
        {
            return UnaryCallOutcome.Rejected(Overloaded(cluster), 0);
        }

        cluster.Budget.Deposit();
        if (policy.Hedging is { } hedging && call.Safety == RepeatSafety.Idempotent)
        {
            using var hedge = new HedgedCall(cluster, call, cancellationToken);
            return await hedge.RunAsync(hedging).ConfigureAwait(false);
        }

        return await RetryAsync(cluster, call.Safety == RepeatSafety.Never ? null : policy.Retry, call, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<UnaryCallOutcome> RetryAsync(UpstreamCluster cluster, RetryPolicy? retry, UnaryCallRequest call, CancellationToken cancellationToken)
    {
        var tried = new List<UpstreamEndpoint>(2);
        var sent = 0;
        var transparent = 0;
        var retries = 0;
        var backoffStep = 0;
        var holdsRetrySlot = false;
        try
        {
            while (true)
            {
                if (cluster.TryPick(call.AffinityHash, tried) is not { } lease)
                {
                    return UnaryCallOutcome.Rejected(Problems.NoEndpoint(cluster.Name), sent);
                }

                tried.Add(lease.Endpoint);
                var attemptDeadline = call.DeadlineUtc;
                if (retry?.PerTryTimeout is { } perTry && call.Safety == RepeatSafety.Idempotent && DateTime.UtcNow + perTry < attemptDeadline)
                {
                    attemptDeadline = DateTime.UtcNow + perTry;
                }

                var result = await lease.InvokeUnaryAsync(call.Path, call.Message, call.Metadata, attemptDeadline, cancellationToken, sent).ConfigureAwait(false);
                sent++;
                if (holdsRetrySlot)
                {
                    cluster.Admission.ExitRetry();
                    holdsRetrySlot = false;
                }

                var status = result.Status;
                if (status.Code == GrpcStatusCode.Ok || cancellationToken.IsCancellationRequested || DateTime.UtcNow >= call.DeadlineUtc)
                {
                    return UnaryCallOutcome.Committed(result, sent);
                }

                if (status.RequestNotProcessed && transparent < MaxTransparentRetries)
                {
                    transparent++;
                    result.Dispose();
                    continue;
                }

                if (retry is null || retries + 1 >= retry.MaxAttempts || !IsRetryable(retry, status, call.Safety, out var pushback))
                {
                    return UnaryCallOutcome.Committed(result, sent);
                }

                // Pushback replaces the backoff, and the backoff starts over after it (A6).
                var delay = pushback ?? retry.Backoff(++backoffStep, Random.Shared.NextDouble());
                if (pushback is not null)
                {
                    backoffStep = 0;
                }

                if (DateTime.UtcNow + delay >= call.DeadlineUtc || !TryPayForRetry(cluster))
                {
                    return UnaryCallOutcome.Committed(result, sent);
                }

                holdsRetrySlot = true;
                retries++;
                result.Dispose();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (holdsRetrySlot)
            {
                cluster.Admission.ExitRetry();
            }
        }
    }

    /// <summary>
    /// Whether a failed attempt may be retried under <paramref name="retry"/>; <paramref name="pushback"/> is the
    /// backend's requested wait, from <c>grpc-retry-pushback-ms</c> or a google.rpc.RetryInfo detail.
    /// </summary>
    internal static bool IsRetryable(RetryPolicy retry, GrpcStatus status, RepeatSafety safety, out TimeSpan? pushback)
    {
        pushback = Pushback(status);
        if (pushback < TimeSpan.Zero)
        {
            pushback = null;
            return false;
        }

        // A per-try timeout ran out: the call's own deadline has not (the caller checked), so another try fits.
        if (status is { Code: GrpcStatusCode.DeadlineExceeded, Origin: StatusOrigin.Local } && retry.PerTryTimeout is not null)
        {
            return safety == RepeatSafety.Idempotent;
        }

        // A broken connection or stream leaves open whether the backend acted: only an idempotent call is sent again.
        if (status.Origin == StatusOrigin.Local || (safety == RepeatSafety.Keyed && status.Origin != StatusOrigin.Backend))
        {
            return false;
        }

        return retry.Retryable.Contains(status.Code) || (pushback is not null && retry.PushbackOnly.Contains(status.Code));
    }

    /// <summary>The answer to a call the cluster's caps refuse: 503 with a Retry-After of one second.</summary>
    internal static Problem Overloaded(UpstreamCluster cluster) => Problems.UpstreamOverloaded(cluster.Name, OverloadRetryAfter);

    /// <summary>Claims a retry slot, then a budget token; neither is kept when the other is refused.</summary>
    internal static bool TryPayForRetry(UpstreamCluster cluster)
    {
        if (!cluster.Admission.TryEnterRetry())
        {
            return false;
        }

        if (cluster.Budget.TryWithdraw())
        {
            return true;
        }

        cluster.Admission.ExitRetry();
        return false;
    }

    private static TimeSpan? Pushback(GrpcStatus status)
    {
        if (status.PushbackMilliseconds is { } milliseconds)
        {
            return milliseconds < 0 ? TimeSpan.FromTicks(-1) : TimeSpan.FromMilliseconds(milliseconds);
        }

        foreach (var detail in status.Details?.Details ?? [])
        {
            if (detail.Is(RetryInfo.Descriptor))
            {
                try
                {
                    var delay = detail.Unpack<RetryInfo>().RetryDelay;
                    if (delay is { Seconds: >= 0 and <= 3600, Nanos: >= 0 and <= 999_999_999 })
                    {
                        return delay.ToTimeSpan();
                    }
                }
                catch (Google.Protobuf.InvalidProtocolBufferException)
                {
                }

                return null;
            }
        }

        return null;
    }

}
