using Microsoft.Extensions.Logging;

namespace Strait.Upstream;

/// <summary>
/// The clusters of a configuration, live for the gateway's lifetime: their endpoints, connections, health, budgets
/// and breakers do not start over when a new schema swaps the route table (each snapshot's route plans pick from them).
/// </summary>
internal sealed class UpstreamClusterSet : IAsyncDisposable
{
    public const string DefaultClusterName = "default";

    private readonly Dictionary<string, UpstreamCluster> byName;

    private UpstreamClusterSet(IReadOnlyList<UpstreamCluster> all, IReadOnlyDictionary<string, ClusterOptions> named)
    {
        All = all;
        Named = named;
        byName = all.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    public UpstreamCluster Default => All[0];

    /// <summary>The default cluster first, then the named ones in configuration order.</summary>
    public IReadOnlyList<UpstreamCluster> All { get; }

    /// <summary>The named clusters' options, for resolving what each serves.</summary>
    public IReadOnlyDictionary<string, ClusterOptions> Named { get; }

    /// <summary>Whether any cluster reads its schema from server reflection.</summary>
    public bool AnyReflects => All.Any(c => c.Settings.Reflection);

    public UpstreamCluster Find(string name) => byName[name];

    /// <summary>Builds the clusters (no I/O: DNS and health checks start with <see cref="StartAsync"/>).</summary>
    /// <param name="settings">The default cluster's first, then the named ones' (<see cref="ClustersValidator"/>).</param>
    /// <param name="named">The named clusters' options, for resolving what each serves.</param>
    public static UpstreamClusterSet Create(IReadOnlyList<ClusterSettings> settings, IReadOnlyDictionary<string, ClusterOptions> named, TimeProvider? time = null)
    {
        var clusters = new List<UpstreamCluster>(settings.Count);
        foreach (var clusterSettings in settings)
        {
            clusters.Add(new UpstreamCluster(clusterSettings, time));
        }

        return new UpstreamClusterSet(clusters, named);
    }

    public async Task StartAsync(ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var starts = new Task[All.Count];
        for (var i = 0; i < All.Count; i++)
        {
            starts[i] = All[i].StartAsync(loggers.CreateLogger("Strait.Upstream." + All[i].Name), cancellationToken);
        }

        await Task.WhenAll(starts).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in All)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
