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
    /// <param name="requireDefaultEndpoints">Whether the default cluster must have addresses (not for <c>strait routes</c>).</param>
    /// <returns>Null when <paramref name="errors"/> got problems.</returns>
    public static UpstreamClusterSet? TryCreate(
        ClusterOptions backend,
        IReadOnlyDictionary<string, ClusterOptions> named,
        bool requireDefaultEndpoints,
        List<string> errors,
        TimeProvider? time = null)
    {
        var before = errors.Count;
        if (backend.Services.Count > 0 || backend.Methods.Count > 0 || backend.Routes.Count > 0)
        {
            errors.Add("backend: the default cluster serves whatever no other cluster claims; services, methods and routes belong on clusters.NAME");
        }

        if (requireDefaultEndpoints && backend.Addresses.Count == 0 && backend.Endpoints.Count == 0)
        {
            errors.Add("backend: no endpoints: give --backend HOST:PORT (backend.addresses)");
        }

        var settings = new List<ClusterSettings>();
        if (ClusterSettings.TryCreate(DefaultClusterName, "backend", backend, errors) is { } defaultSettings)
        {
            settings.Add(defaultSettings);
        }

        foreach (var (name, options) in named)
        {
            var key = "clusters." + name;
            if (string.Equals(name, DefaultClusterName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}: the name '{DefaultClusterName}' is the backend section's; pick another");
                continue;
            }

            if (options.Addresses.Count == 0 && options.Endpoints.Count == 0)
            {
                errors.Add($"{key}: no endpoints: give addresses or endpoints");
            }

            if (options.Services.Count == 0 && options.Methods.Count == 0 && options.Routes.Count == 0 && !options.Reflection)
            {
                errors.Add($"{key}: serves nothing: give services, methods or routes, or set reflection: true");
            }

            if (ClusterSettings.TryCreate(name, key, options, errors) is { } clusterSettings)
            {
                settings.Add(clusterSettings);
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

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
