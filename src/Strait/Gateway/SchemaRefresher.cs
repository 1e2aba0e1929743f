using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Strait.Configuration;
using Strait.Reflection;
using Strait.Schema;
using Strait.Upstream;

namespace Strait.Gateway;

/// <summary>
/// Keeps the served schema in step with the backends: reads every reflecting cluster at startup, again every
/// <c>schema.reflection.refreshInterval</c> and on the admin trigger, and swaps in a new snapshot when the schema
/// changed. A schema that does not build (broken descriptors, route conflicts) is rejected and the last good snapshot
/// stays; a cluster none of whose endpoints answers keeps the schema it last gave. Refreshes run one at a time.
/// </summary>
internal sealed class SchemaRefresher : IAsyncDisposable
{
    private static readonly TimeSpan StartupRetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly GatewayRuntime runtime;
    private readonly ILogger logger;
    private readonly SchemaReflectionOptions options;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Lock queue = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly List<UpstreamCluster> reflecting;

    // Both are written by one refresh at a time (under the gate), and by LoadAsync before any refresh can run.
    private Dictionary<string, ReflectedSchema> served = new(StringComparer.Ordinal);
    private Dictionary<string, IReadOnlyList<EndpointSchemaState>> lastAnswers = new(StringComparer.Ordinal);
    private GatewaySnapshotHolder? snapshots;
    private Task? loop;
    private Task<SchemaRefreshOutcome>? queued;
    private string? rejectedFingerprint;
    private long disagreements;
    private SchemaStatus status = SchemaStatus.Initial;

    public SchemaRefresher(GatewayRuntime runtime, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(logger);
        this.runtime = runtime;
        this.logger = logger;
        options = runtime.Options.Schema.Reflection;
        reflecting = [.. runtime.Clusters.All.Where(c => c.Settings.Reflection)];
    }

    /// <summary>The snapshot in use, once <see cref="LoadAsync"/> built the first.</summary>
    public GatewaySnapshotHolder Snapshots => snapshots ?? throw new InvalidOperationException("The schema has not been loaded; call LoadAsync first.");

    /// <summary>What the last refreshes did, for the admin view.</summary>
    public SchemaStatus Status => Volatile.Read(ref status);

    /// <summary>
    /// Builds the first snapshot. Reflecting clusters (already started, so that their endpoints are known) are asked
    /// until each answers or <c>schema.reflection.startupTimeout</c> passes: backends often start beside the gateway.
    /// </summary>
    /// <exception cref="StraitConfigurationException">A cluster did not answer in time, or the schema does not build.</exception>
    /// <exception cref="SchemaException">The schema's files are invalid.</exception>
    public async Task<GatewaySnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        Reflection reflection;
        while (true)
        {
            reflection = await ReflectAllAsync(cancellationToken).ConfigureAwait(false);
            if (reflection.Failures.Count == 0)
            {
                break;
            }

            if (started.Elapsed >= options.StartupTimeout)
            {
                throw new StraitConfigurationException(string.Join(
                    Environment.NewLine,
                    reflection.Failures.Select(f => $"schema: no schema from cluster '{f.Key}' within schema.reflection.startupTimeout ({options.StartupTimeout}): {f.Value}")));
            }

            await Task.Delay(StartupRetryDelay, cancellationToken).ConfigureAwait(false);
        }

        var snapshot = runtime.BuildSnapshot(Ordered(reflection.Chosen));
        served = reflection.Chosen;
        lastAnswers = reflection.Answers;
        snapshots = new GatewaySnapshotHolder(snapshot);
        Volatile.Write(ref status, Status with
        {
            Fingerprint = snapshot.Fingerprint,
            LastChangeUtc = DateTime.UtcNow,
            Clusters = ClusterStates(),
            Disagreements = Interlocked.Read(ref disagreements),
        });
        return snapshot;
    }

    /// <summary>Starts the periodic refresh (when an interval is set and some cluster reflects).</summary>
    public void Start()
    {
        if (reflecting.Count > 0 && options.RefreshInterval > TimeSpan.Zero)
        {
            loop = RunAsync(stopping.Token);
        }
    }

    /// <summary>
    /// Asks every reflecting cluster again and swaps in the schema when it changed. Triggers coalesce: one refresh runs
    /// at a time, and every trigger that arrives meanwhile shares the one refresh queued behind it, so a burst of
    /// triggers costs at most two refreshes. Stops with the refresher, not with any caller.
    /// </summary>
    public Task<SchemaRefreshOutcome> RefreshAsync()
    {
        lock (queue)
        {
            return queued ??= QueueAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task? pending;
        lock (queue)
        {
            pending = queued;
        }

        if (pending is not null)
        {
            await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // A refresh that took the gate before the cancellation still holds it; it ends promptly, cancelled.
        await gate.WaitAsync().ConfigureAwait(false);
        stopping.Dispose();
        gate.Dispose();
    }

    private async Task<SchemaRefreshOutcome> QueueAsync()
    {
        // Returns to RefreshAsync first, so that the task is in `queued` before it can leave it.
        await Task.Yield();
        await gate.WaitAsync(stopping.Token).ConfigureAwait(false);
        lock (queue)
        {
            // From here on, a new trigger queues behind this refresh: it may start too early to see the change.
            queued = null;
        }

        try
        {
            return await RefreshLockedAsync(stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.RefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A refresh that fails in an unforeseen way must not end the refreshes that follow it.
                    logger.LogError(e, "schema refresh failed; the schema in use stays");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<SchemaRefreshOutcome> RefreshLockedAsync(CancellationToken cancellationToken)
    {
        var reflection = await ReflectAllAsync(cancellationToken).ConfigureAwait(false);
        // A refresh cut short by shutdown says nothing about the backends: it leaves no trace.
        cancellationToken.ThrowIfCancellationRequested();

        // A cluster that gave nothing usable keeps the schema it last gave, so an outage never removes routes.
        var candidate = new Dictionary<string, ReflectedSchema>(served, StringComparer.Ordinal);
        foreach (var (cluster, schema) in reflection.Chosen)
        {
            candidate[cluster] = schema;
        }

        lastAnswers = reflection.Answers;
        var now = DateTime.UtcNow;
        var current = Snapshots.Current;
        var ordered = Ordered(candidate);
        var fingerprint = runtime.FingerprintOf(ordered);
        var next = Status with
        {
            Refreshes = Status.Refreshes + 1,
            LastRefreshUtc = now,
            UnreachableClusters = [.. reflection.Failures.Keys],
            Disagreements = Interlocked.Read(ref disagreements),
        };
        if (fingerprint == current.Fingerprint)
        {
            // Unchanged, or changed back: what is served is good, so a pending rejection no longer applies.
            served = candidate;
            rejectedFingerprint = null;
            Volatile.Write(ref status, next with { Clusters = ClusterStates() });
            return SchemaRefreshOutcome.Unchanged;
        }

        try
        {
            var snapshot = runtime.BuildSnapshot(ordered);
            snapshots!.Swap(snapshot);
            served = candidate;
            rejectedFingerprint = null;
            Volatile.Write(ref status, next with { Swaps = next.Swaps + 1, Fingerprint = snapshot.Fingerprint, LastChangeUtc = now, LastChangeRefresh = next.Refreshes, LastError = null, Clusters = ClusterStates() });
            logger.LogInformation(
                "schema changed ({Old} -> {New}): {Services} services, {Routes} routes",
                current.Fingerprint,
                snapshot.Fingerprint,
                snapshot.Schema.Services.Count,
                snapshot.RouteTable.Routes.Count);
            return SchemaRefreshOutcome.Swapped;
        }
        catch (Exception e) when (e is SchemaException or StraitConfigurationException)
        {
            // What is served stays what was last built: a broken answer never becomes a cluster's schema.
            var error = e.Message.ReplaceLineEndings("; ");
            Volatile.Write(ref status, next with { Rejections = next.Rejections + 1, LastError = error, LastErrorUtc = now, Clusters = ClusterStates() });
            // Logged once per broken schema, not on every refresh that finds it again.
            if (rejectedFingerprint != fingerprint)
            {
                rejectedFingerprint = fingerprint;
                logger.LogError("schema rejected, still serving {Fingerprint}: {Error}", current.Fingerprint, error);
            }

            return SchemaRefreshOutcome.Rejected;
        }
    }

    // Asks each reflecting cluster. Changes no state: the caller decides what the answers become.
    private async Task<Reflection> ReflectAllAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(reflecting.Select(cluster => ReflectClusterAsync(cluster, cancellationToken))).ConfigureAwait(false);
        var reflection = new Reflection();
        foreach (var result in results)
        {
            reflection.Answers[result.Cluster.Name] = result.Endpoints;
            if (result.Chosen is { } chosen)
            {
                reflection.Chosen[result.Cluster.Name] = chosen;
            }
            else
            {
                reflection.Failures[result.Cluster.Name] = result.Error ?? "no endpoints";
            }
        }

        return reflection;
    }

    private async Task<ClusterReflection> ReflectClusterAsync(UpstreamCluster cluster, CancellationToken cancellationToken)
    {
        var endpoints = cluster.Endpoints.Where(e => !e.IsClosed).ToList();
        var answers = await Task.WhenAll(endpoints.Select(e => FetchAsync(e, cancellationToken))).ConfigureAwait(false);
        var schemas = answers.Where(a => a.Schema is not null).ToList();
        if (schemas.Count == 0)
        {
            return new ClusterReflection(cluster, null, answers.Select(a => a.Error).FirstOrDefault(e => e is not null), States(answers));
        }

        // The most common schema wins; on a tie, the one served (no flapping during a rollout), else the first
        // endpoint's.
        var groups = schemas.GroupBy(a => a.Schema!.Fingerprint).ToList();
        var inUse = served.GetValueOrDefault(cluster.Name)?.Fingerprint;
        var best = groups
            .OrderByDescending(g => g.Count())
            .ThenByDescending(g => g.Key == inUse)
            .First();
        if (groups.Count > 1)
        {
            Interlocked.Increment(ref disagreements);
            logger.LogWarning(
                "cluster {Cluster}: endpoints disagree on the schema ({Versions}); routing uses {Chosen}, the most common",
                cluster.Name,
                string.Join("; ", groups.Select(g => g.Key + " from " + string.Join(", ", g.Select(a => a.Endpoint)))),
                best.Key);
        }

        return new ClusterReflection(cluster, best.First().Schema, null, States(answers));
    }

    private static EndpointSchemaState[] States(EndpointAnswer[] answers) =>
        [.. answers.Select(a => new EndpointSchemaState(a.Endpoint, a.Schema?.Fingerprint, a.Error))];

    private async Task<EndpointAnswer> FetchAsync(UpstreamEndpoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            var schema = await ReflectionClient.FetchAsync(endpoint.Client, runtime.PinnedServices, options.Timeout, cancellationToken).ConfigureAwait(false);
            return new EndpointAnswer(endpoint.Key.ToString(), schema, null);
        }
        catch (ReflectionException e)
        {
            return new EndpointAnswer(endpoint.Key.ToString(), null, e.Message);
        }
        catch (ObjectDisposedException)
        {
            // The endpoint left the cluster (DNS, shutdown) while it was being asked.
            return new EndpointAnswer(endpoint.Key.ToString(), null, "the endpoint was removed while it was being asked");
        }
    }

    // In configuration order, which decides who wins a file both clusters supply.
    private List<KeyValuePair<string, ReflectedSchema>> Ordered(Dictionary<string, ReflectedSchema> schemas) =>
        [.. reflecting.Where(c => schemas.ContainsKey(c.Name)).Select(c => KeyValuePair.Create(c.Name, schemas[c.Name]))];

    private ClusterSchemaState[] ClusterStates() =>
        [.. reflecting.Select(c => new ClusterSchemaState(c.Name, served.GetValueOrDefault(c.Name), lastAnswers.GetValueOrDefault(c.Name) ?? []))];

    private sealed class Reflection
    {
        public Dictionary<string, ReflectedSchema> Chosen { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Failures { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, IReadOnlyList<EndpointSchemaState>> Answers { get; } = new(StringComparer.Ordinal);
    }

    private sealed record EndpointAnswer(string Endpoint, ReflectedSchema? Schema, string? Error);

    private sealed record ClusterReflection(UpstreamCluster Cluster, ReflectedSchema? Chosen, string? Error, IReadOnlyList<EndpointSchemaState> Endpoints);
}

/// <summary>What a refresh did.</summary>
internal enum SchemaRefreshOutcome
{
    /// <summary>The backends serve the schema already in use.</summary>
    Unchanged,

    /// <summary>A new snapshot is in use.</summary>
    Swapped,

    /// <summary>The new schema does not build; the last good snapshot stays.</summary>
    Rejected,
}

/// <summary>The schema's state and the refreshes' counters, for the admin view.</summary>
internal sealed record SchemaStatus(
    string? Fingerprint,
    DateTime? LastChangeUtc,
    long LastChangeRefresh,
    DateTime? LastRefreshUtc,
    long Refreshes,
    long Swaps,
    long Rejections,
    long Disagreements,
    string? LastError,
    DateTime? LastErrorUtc,
    IReadOnlyList<string> UnreachableClusters,
    IReadOnlyList<ClusterSchemaState> Clusters)
{
    public static SchemaStatus Initial { get; } = new(null, null, 0, null, 0, 0, 0, 0, null, null, [], []);
}

/// <summary>The schema a reflecting cluster serves (the last one a snapshot was built from), and each endpoint's last answer.</summary>
internal sealed record ClusterSchemaState(string Cluster, ReflectedSchema? Schema, IReadOnlyList<EndpointSchemaState> Endpoints);

/// <summary>One endpoint's answer in the last refresh.</summary>
internal sealed record EndpointSchemaState(string Endpoint, string? Fingerprint, string? Error);
