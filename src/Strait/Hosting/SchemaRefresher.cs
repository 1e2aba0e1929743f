using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Strait.Reflection;
using Strait.Schema;
using Strait.Upstream;

namespace Strait.Hosting;

/// <summary>
/// Keeps the served schema in step with the backends: reads every reflecting cluster at startup, again every
/// <c>schema.reflection.refreshInterval</c> and on the admin trigger, and swaps in a new snapshot when the schema
/// changed. A schema that does not build (broken descriptors, route conflicts) is rejected and the last good snapshot
/// stays; a cluster none of whose endpoints answers keeps the schema it last gave. Refreshes run one at a time.
/// </summary>
public sealed class SchemaRefresher : IAsyncDisposable
{
    private static readonly TimeSpan StartupRetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly GatewayRuntime runtime;
    private readonly ILogger logger;
    private readonly SchemaReflectionOptions options;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, ReflectedSchema> lastGood = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<EndpointSchemaState>> lastAnswers = new(StringComparer.Ordinal);
    private readonly List<UpstreamCluster> reflecting;
    private GatewaySnapshotHolder? snapshots;
    private Task? loop;
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
        while (true)
        {
            var failures = await ReflectAllAsync(cancellationToken).ConfigureAwait(false);
            if (failures.Count == 0)
            {
                break;
            }

            if (started.Elapsed >= options.StartupTimeout)
            {
                throw new StraitConfigurationException(string.Join(
                    Environment.NewLine,
                    failures.Select(f => $"schema: no schema from cluster '{f.Key}' within schema.reflection.startupTimeout ({options.StartupTimeout}): {f.Value}")));
            }

            await Task.Delay(StartupRetryDelay, cancellationToken).ConfigureAwait(false);
        }

        var snapshot = runtime.BuildSnapshot(Reflected());
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

    /// <summary>Asks every reflecting cluster again and swaps in the schema when it changed.</summary>
    public async Task<SchemaRefreshOutcome> RefreshAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RefreshLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stopping.Dispose();
        gate.Dispose();
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
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
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
        var failures = await ReflectAllAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTime.UtcNow;
        var current = Snapshots.Current;
        var reflected = Reflected();
        var candidate = ReflectionClient.Fingerprint(runtime.PinnedSchema.SelectMany(s => s.File).Concat(reflected.SelectMany(r => r.Value.Files.File)).DistinctBy(f => f.Name));
        var next = Status with
        {
            Refreshes = Status.Refreshes + 1,
            LastRefreshUtc = now,
            Clusters = ClusterStates(),
            UnreachableClusters = [.. failures.Keys],
            Disagreements = Interlocked.Read(ref disagreements),
        };
        if (candidate == current.Fingerprint)
        {
            Volatile.Write(ref status, next);
            return SchemaRefreshOutcome.Unchanged;
        }

        try
        {
            var snapshot = runtime.BuildSnapshot(reflected);
            snapshots!.Swap(snapshot);
            rejectedFingerprint = null;
            Volatile.Write(ref status, next with { Swaps = next.Swaps + 1, Fingerprint = snapshot.Fingerprint, LastChangeUtc = now, LastError = null });
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
            var error = e.Message.ReplaceLineEndings("; ");
            Volatile.Write(ref status, next with { Rejections = next.Rejections + 1, LastError = error, LastErrorUtc = now });
            // Logged once per broken schema, not on every refresh that finds it again.
            if (rejectedFingerprint != candidate)
            {
                rejectedFingerprint = candidate;
                logger.LogError("schema rejected, still serving {Fingerprint}: {Error}", current.Fingerprint, error);
            }

            return SchemaRefreshOutcome.Rejected;
        }
    }

    // Asks each reflecting cluster; a cluster that answered replaces its last good schema. Returns the clusters that
    // gave nothing usable, with why.
    private async Task<Dictionary<string, string>> ReflectAllAsync(CancellationToken cancellationToken)
    {
        var tasks = reflecting.Select(cluster => ReflectClusterAsync(cluster, cancellationToken)).ToArray();
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            lastAnswers[result.Cluster.Name] = result.Endpoints;
            if (result.Chosen is { } chosen)
            {
                lastGood[result.Cluster.Name] = chosen;
            }
            else
            {
                failures[result.Cluster.Name] = result.Error ?? "no endpoints";
            }
        }

        return failures;
    }

    private async Task<ClusterReflection> ReflectClusterAsync(UpstreamCluster cluster, CancellationToken cancellationToken)
    {
        var endpoints = cluster.Endpoints.Where(e => !e.IsClosed).ToList();
        var fetches = endpoints.Select(e => FetchAsync(e, cancellationToken)).ToArray();
        var answers = await Task.WhenAll(fetches).ConfigureAwait(false);
        var schemas = answers.Where(a => a.Schema is not null).ToList();
        if (schemas.Count == 0)
        {
            return new ClusterReflection(cluster, null, answers.Select(a => a.Error).FirstOrDefault(e => e is not null), States(answers));
        }

        // The most common schema wins; on a tie, the one already served (no flapping during a rollout), else the first
        // endpoint's.
        var groups = schemas.GroupBy(a => a.Schema!.Fingerprint).ToList();
        var served = lastGood.GetValueOrDefault(cluster.Name)?.Fingerprint;
        var best = groups
            .OrderByDescending(g => g.Count())
            .ThenByDescending(g => g.Key == served)
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

    private List<KeyValuePair<string, ReflectedSchema>> Reflected() =>
        [.. reflecting.Where(c => lastGood.ContainsKey(c.Name)).Select(c => KeyValuePair.Create(c.Name, lastGood[c.Name]))];

    private ClusterSchemaState[] ClusterStates() =>
        [.. reflecting.Select(c => new ClusterSchemaState(c.Name, lastGood.GetValueOrDefault(c.Name), lastAnswers.GetValueOrDefault(c.Name) ?? []))];

    private sealed record EndpointAnswer(string Endpoint, ReflectedSchema? Schema, string? Error);

    private sealed record ClusterReflection(UpstreamCluster Cluster, ReflectedSchema? Chosen, string? Error, IReadOnlyList<EndpointSchemaState> Endpoints);
}

/// <summary>What a refresh did.</summary>
public enum SchemaRefreshOutcome
{
    /// <summary>The backends serve the schema already in use.</summary>
    Unchanged,

    /// <summary>A new snapshot is in use.</summary>
    Swapped,

    /// <summary>The new schema does not build; the last good snapshot stays.</summary>
    Rejected,
}

/// <summary>The schema's state and the refreshes' counters, for the admin view.</summary>
public sealed record SchemaStatus(
    string? Fingerprint,
    DateTime? LastChangeUtc,
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
    public static SchemaStatus Initial { get; } = new(null, null, null, 0, 0, 0, 0, null, null, [], []);
}

/// <summary>The schema a reflecting cluster last gave (null before any endpoint answered), and each endpoint's last answer.</summary>
public sealed record ClusterSchemaState(string Cluster, ReflectedSchema? Schema, IReadOnlyList<EndpointSchemaState> Endpoints);

/// <summary>One endpoint's answer in the last refresh.</summary>
public sealed record EndpointSchemaState(string Endpoint, string? Fingerprint, string? Error);
