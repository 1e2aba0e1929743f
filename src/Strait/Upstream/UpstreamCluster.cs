using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Strait.Upstream.Balancing;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>
/// A named set of endpoints serving the same services, balanced per call. Endpoints come from configuration and DNS,
/// are judged by active health checks and outlier detection, and the usable ones are published as one immutable
/// <see cref="EndpointPicker"/> whenever that judgement changes, so a pick is lock-free and never sees a half state.
/// </summary>
internal sealed partial class UpstreamCluster : IAsyncDisposable
{
    private const int PickAttempts = 4;
    private static readonly TimeSpan InitialResolveTimeout = TimeSpan.FromSeconds(10);

    // Guards every state change: the endpoint lists, health, ejections, and the published view.
    private readonly Lock gate = new();
    private readonly List<UpstreamEndpoint> endpoints = [];
    private readonly List<UpstreamEndpoint> draining = [];
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> loops = [];
    private ClusterView view = ClusterView.Empty;
    private ILogger logger = NullLogger.Instance;

    public UpstreamCluster(ClusterSettings settings, TimeProvider? time = null)
    {
        Settings = settings;
        this.time = time ?? TimeProvider.System;
        Budget = new RetryBudget(settings.RetryBudget.Ratio, settings.RetryBudget.MinRetriesPerSecond, settings.RetryBudget.Window, this.time);
        var limits = settings.Limits;
        Admission = new ClusterAdmission(limits.MaxRequests, limits.MaxPending, limits.MaxPendingWait, limits.MaxRetries);
        discovered = new List<EndpointKey>?[settings.Addresses.Count];
        singleAddressWarned = new bool[settings.Addresses.Count];
        dnsErrors = new string?[settings.Addresses.Count];
        lock (gate)
        {
            for (var i = 0; i < settings.Addresses.Count; i++)
            {
                if (!settings.Addresses[i].IsDnsName)
                {
                    discovered[i] = [new EndpointKey(settings.Addresses[i].Address, null)];
                }
            }

            ReconcileLocked();
        }
    }

    public string Name => Settings.Name;

    public ClusterSettings Settings { get; }

    /// <summary>Caps retries and hedges at a share of this cluster's calls.</summary>
    public RetryBudget Budget { get; }

    /// <summary>Caps the calls in flight, waiting, and retrying.</summary>
    public ClusterAdmission Admission { get; }

    /// <summary>Whether calls currently go to every endpoint because too few are healthy.</summary>
    public bool IsInPanic => Volatile.Read(ref view).Panic;

    /// <summary>Endpoints calls can be sent to right now (in panic mode: every endpoint not draining).</summary>
    public int UsableCount => Volatile.Read(ref view).Picker?.Endpoints.Length ?? 0;

    /// <summary>Resolves DNS names once (so the first calls have endpoints), then starts discovery, health checks and housekeeping.</summary>
    public async Task StartAsync(ILogger clusterLogger, CancellationToken cancellationToken)
    {
        logger = clusterLogger;
        healthRequest = HealthCheckProtocol.EncodeRequest(Settings.HealthCheckService);
        if (Settings.HasDnsNames)
        {
            // A resolver that hangs must not hold startup hostage: the refresh loop keeps trying.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(InitialResolveTimeout);
            try
            {
                await ResolveAllAsync(bounded.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogInitialResolveTimedOut(logger, Name, InitialResolveTimeout.TotalSeconds);
            }

            loops.Add(RunEveryAsync(Settings.DnsRefreshInterval, ResolveAllAsync));
        }

        if (Settings.HealthCheckEnabled)
        {
            loops.Add(RunHealthChecksAsync());
        }

        loops.Add(RunEveryAsync(HousekeepingTick, (_) =>
        {
            Housekeep();
            return Task.CompletedTask;
        }));
    }

    /// <summary>Picks an endpoint for one call and counts the call in flight; null when the cluster has no usable endpoint.</summary>
    /// <param name="affinityHash">The call's <see cref="AffinityHash"/> for <c>ring_hash</c>; null without a key.</param>
    /// <param name="avoid">Endpoints earlier attempts of the call went to: another is preferred while one is usable.</param>
    public EndpointLease? TryPick(ulong? affinityHash, IReadOnlyList<UpstreamEndpoint>? avoid = null)
    {
        UpstreamEndpoint? refused = null;
        for (var attempt = 0; attempt < PickAttempts; attempt++)
        {
            var picker = Volatile.Read(ref view).Picker;
            if (picker is null)
            {
                return null;
            }

            var endpoint = picker.Pick(affinityHash);
            if (ReferenceEquals(endpoint, refused) || (avoid is { Count: > 0 } && Contains(avoid, endpoint)))
            {
                continue;
            }

            if (TryLease(endpoint) is { } lease)
            {
                return lease;
            }

            // A half-open endpoint with its probes out, or one closed after draining since the view was read.
            refused = endpoint;
        }

        // The policy keeps choosing endpoints this call cannot use (pick_first, ring_hash, or two-choice picks that
        // favour the half-open endpoint with one call in flight): take the first usable one, tried ones last.
        var endpoints = Volatile.Read(ref view).Picker?.Endpoints ?? [];
        foreach (var candidate in endpoints)
        {
            if ((avoid is null || !Contains(avoid, candidate)) && TryLease(candidate) is { } lease)
            {
                return lease;
            }
        }

        foreach (var candidate in endpoints)
        {
            if (avoid is not null && Contains(avoid, candidate) && TryLease(candidate) is { } lease)
            {
                return lease;
            }
        }

        return null;
    }

    private EndpointLease? TryLease(UpstreamEndpoint endpoint)
    {
        if (!endpoint.TryClaimProbe(out var probe))
        {
            return null;
        }

        if (endpoint.TryAcquire())
        {
            return new EndpointLease(this, endpoint, probe);
        }

        if (probe)
        {
            endpoint.ReturnProbe();
        }

        return null;
    }

    private static bool Contains(IReadOnlyList<UpstreamEndpoint> endpoints, UpstreamEndpoint endpoint)
    {
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (ReferenceEquals(endpoints[i], endpoint))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The endpoints known now (usable or not, draining ones last), for the admin view and tests.</summary>
    public IReadOnlyList<UpstreamEndpoint> Endpoints
    {
        get
        {
            lock (gate)
            {
                return [.. endpoints, .. draining];
            }
        }
    }

    internal void Complete(UpstreamEndpoint endpoint, GrpcStatus status, bool probe = false)
    {
        endpoint.CountCall(status.Code);
        switch (Classify(status))
        {
            case CallVerdict.Success:
                endpoint.CountSuccess(Settings.IntervalCountsEnabled);
                if (probe)
                {
                    endpoint.CloseCircuit();
                    LogCircuitClosed(logger, Name, endpoint.Key.ToString());
                }

                break;
            case CallVerdict.Failure:
                var streak = endpoint.CountFailure(Settings.IntervalCountsEnabled);
                if (probe)
                {
                    EjectAfterFailedProbe(endpoint, status);
                }
                else if (Settings.OutlierDetectionEnabled && streak >= Settings.ConsecutiveErrors)
                {
                    TryEject(endpoint, status, streak);
                }

                break;
        }

        if (probe)
        {
            endpoint.ReturnProbe();
        }

        Release(endpoint);
    }

    // One failed probe is enough: the endpoint has not recovered. A method of its own, so that the lambda's closure is
    // allocated only here and not on every call's completion.
    private void EjectAfterFailedProbe(UpstreamEndpoint endpoint, GrpcStatus status) =>
        TryEject(endpoint, () => $"the probe after its ejection failed with {status.Code.ToCanonicalName()} ({status.Origin})");

    internal void Abandon(UpstreamEndpoint endpoint, bool probe = false)
    {
        if (probe)
        {
            endpoint.ReturnProbe();
        }

        Release(endpoint);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        lock (gate)
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.TryClose(force: true);
            }

            foreach (var endpoint in draining)
            {
                endpoint.TryClose(force: true);
            }

            endpoints.Clear();
            draining.Clear();
            Volatile.Write(ref view, ClusterView.Empty);
        }

        stopping.Dispose();
        Admission.Dispose();
    }

    private CallVerdict Classify(GrpcStatus status)
    {
        if (status.Code == GrpcStatusCode.Ok)
        {
            return CallVerdict.Success;
        }

        return status.Origin switch
        {
            // A reply over the gateway's size limit is Strait's limit, not the endpoint's fault.
            StatusOrigin.Protocol when status.Code == GrpcStatusCode.ResourceExhausted => CallVerdict.Neutral,
            StatusOrigin.Transport or StatusOrigin.Protocol => CallVerdict.Failure,
            // The deadline, the caller or the send limit ended it: says nothing about the endpoint.
            StatusOrigin.Local or StatusOrigin.Edge => CallVerdict.Neutral,
            _ => Settings.IsFailureCode(status.Code) ? CallVerdict.Failure : CallVerdict.Success,
        };
    }

    private void Release(UpstreamEndpoint endpoint)
    {
        if (endpoint.Release() == 0 && endpoint.IsDraining && endpoint.TryClose(force: false))
        {
            lock (gate)
            {
                draining.Remove(endpoint);
            }

            LogDrained(logger, Name, endpoint.Key.ToString());
        }
    }

    /// <summary>Recomputes which endpoints take calls and publishes a new picker. Caller holds <see cref="gate"/>.</summary>
    private void RebuildLocked()
    {
        var now = time.GetUtcNow().UtcTicks;
        var healthy = new List<UpstreamEndpoint>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Health == EndpointHealth.Healthy && !endpoint.IsEjected(now))
            {
                healthy.Add(endpoint);
            }
        }

        var panic = endpoints.Count > 0
            && (healthy.Count == 0 || healthy.Count * 100 < Settings.PanicThreshold * endpoints.Count);
        var usable = panic ? endpoints : healthy;
        var previous = view;
        var next = new ClusterView(usable.Count == 0 ? null : EndpointPicker.Create(Settings.Policy, [.. usable]), panic);
        Volatile.Write(ref view, next);
        if (panic != previous.Panic)
        {
            if (panic)
            {
                LogPanic(logger, Name, healthy.Count, endpoints.Count);
            }
            else
            {
                LogPanicOver(logger, Name, healthy.Count, endpoints.Count);
            }
        }
    }

    private async Task RunEveryAsync(TimeSpan interval, Func<CancellationToken, Task> work)
    {
        var token = stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, token).ConfigureAwait(false);
                await work(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A background failure must never stop the loop that keeps the cluster current.
                LogBackgroundFailure(logger, e, Name);
            }
        }
    }

    private enum CallVerdict
    {
        Success,
        Failure,
        Neutral,
    }

    private sealed record ClusterView(EndpointPicker? Picker, bool Panic)
    {
        public static readonly ClusterView Empty = new(null, false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster} is in panic mode: {Healthy} of {Total} endpoints healthy, so calls go to all of them")]
    private static partial void LogPanic(ILogger logger, string cluster, int healthy, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Cluster} left panic mode: {Healthy} of {Total} endpoints healthy")]
    private static partial void LogPanicOver(ILogger logger, string cluster, int healthy, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Cluster}: endpoint {Endpoint} answered its probe; circuit closed")]
    private static partial void LogCircuitClosed(ILogger logger, string cluster, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Cluster}: endpoint {Endpoint} drained and closed")]
    private static partial void LogDrained(ILogger logger, string cluster, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: DNS names not resolved within {Seconds} s at startup; serving without them until a refresh succeeds")]
    private static partial void LogInitialResolveTimedOut(ILogger logger, string cluster, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cluster {Cluster}: background task failed; it runs again at its next interval")]
    private static partial void LogBackgroundFailure(ILogger logger, Exception exception, string cluster);
}
