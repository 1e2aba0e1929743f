using Google.Protobuf.Reflection;
using Strait.Configuration;
using Strait.Headers;
using Strait.Reflection;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Schema;
using Strait.Upstream;

namespace Strait.Gateway;

/// <summary>
/// What lives as long as the gateway, under every snapshot: the configuration, the header rules, the upstream clusters
/// (connections, health, budgets, breakers), the rate limiters, the idempotency store, the stream limits and the schema
/// files that pin services. A snapshot is built from it plus a schema (<see cref="BuildSnapshot"/>); disposing the
/// runtime closes what it owns once no snapshot is in use.
/// </summary>
internal sealed class GatewayRuntime : IAsyncDisposable
{
    private readonly bool ownsIdempotency;

    private GatewayRuntime(StraitSettings settings, UpstreamClusterSet clusters, EdgeRateLimiters rateLimiters, IIdempotencyStore idempotency, bool ownsIdempotency, IReadOnlyList<FileDescriptorSet> pinned)
    {
        var options = settings.Options;
        Settings = settings;
        Clusters = clusters;
        RateLimiters = rateLimiters;
        Idempotency = idempotency;
        this.ownsIdempotency = ownsIdempotency;
        PinnedSchema = pinned;
        PinnedServices = pinned
            .SelectMany(set => set.File)
            .SelectMany(file => file.Service.Select(service => string.IsNullOrEmpty(file.Package) ? service.Name : file.Package + "." + service.Name))
            .ToHashSet(StringComparer.Ordinal);
        StreamLimits = new StreamLimits(
            options.Streaming.MaxStreams,
            options.Streaming.MaxStreamsPerClient,
            settings.Streaming.ClientKey,
            options.Streaming.MaxLifetime,
            options.Streaming.IdleTimeout,
            options.Streaming.RequestBodyIdleTimeout);
    }

    /// <summary>The configuration, checked.</summary>
    public StraitSettings Settings { get; }

    public StraitOptions Options => Settings.Options;

    public HeaderMappingPlan Headers => Settings.Headers;

    public UpstreamClusterSet Clusters { get; }

    public EdgeRateLimiters RateLimiters { get; }

    public IIdempotencyStore Idempotency { get; }

    /// <summary>Caps on open streams, their lifetime and their silence, counted across snapshots.</summary>
    public StreamLimits StreamLimits { get; }

    /// <summary>The schema from files (descriptor sets, .proto files, embedded sets): always served, never replaced by reflection.</summary>
    public IReadOnlyList<FileDescriptorSet> PinnedSchema { get; }

    /// <summary>The services the pinned files define; reflection does not fetch them.</summary>
    public IReadOnlySet<string> PinnedServices { get; }

    /// <summary>
    /// Reads the configuration's schema files and creates the long-lived parts (not started: no I/O). The settings are
    /// checked already, so the only errors left are the schema files' (<see cref="SchemaException"/>).
    /// </summary>
    /// <param name="idempotencyStore">An embedder's store, used instead of the one <c>resilience.idempotencyStore</c>
    /// configures; the caller keeps it and disposes it, the runtime does not.</param>
    public static GatewayRuntime Create(StraitSettings settings, IIdempotencyStore? idempotencyStore = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var schema = settings.Options.Schema;
        var pinned = new List<FileDescriptorSet>(settings.SchemaSets);
        pinned.AddRange(schema.DescriptorSets.Select(SchemaLoader.ReadDescriptorSetFile));
        if (schema.Protos.Count > 0)
        {
            pinned.Add(ProtocCompiler.Locate(schema.Protoc).Compile(schema.Protos, schema.ProtoPaths));
        }

        return new GatewayRuntime(
            settings,
            UpstreamClusterSet.Create(settings.Clusters, settings.Options.Clusters),
            EdgeRateLimiters.Create(settings.RateLimits),
            idempotencyStore ?? IdempotencyStores.Create(settings.IdempotencyStore),
            ownsIdempotency: idempotencyStore is null,
            pinned);
    }

    /// <summary>
    /// The snapshot of the pinned files plus what reflection gave. A reflected file whose name a pinned file or an
    /// earlier cluster already supplied is left out: files pin, and the first cluster in configuration order wins.
    /// </summary>
    /// <param name="reflected">Per reflecting cluster, by name, the schema its endpoints agreed on.</param>
    /// <exception cref="SchemaException">The merged files do not form a valid schema, or declare no services.</exception>
    /// <exception cref="StraitConfigurationException">The routes conflict, or configuration names what the schema lacks.</exception>
    public GatewaySnapshot BuildSnapshot(IReadOnlyList<KeyValuePair<string, ReflectedSchema>> reflected)
    {
        var (sets, services, fingerprint) = Merge(reflected);
        var registry = SchemaLoader.Load(sets);
        if (registry.Services.Count == 0)
        {
            throw new SchemaException("the schema declares no services");
        }

        return GatewaySnapshot.Build(this, registry, services, fingerprint);
    }

    /// <summary>The fingerprint <see cref="BuildSnapshot"/> would give these answers, without building anything.</summary>
    public string FingerprintOf(IReadOnlyList<KeyValuePair<string, ReflectedSchema>> reflected) => Merge(reflected).Fingerprint;

    // The fingerprint covers the files and which cluster reflected which service: the same files moving from one
    // cluster to another is a change too.
    private (List<FileDescriptorSet> Sets, Dictionary<string, IReadOnlyList<string>> Services, string Fingerprint) Merge(
        IReadOnlyList<KeyValuePair<string, ReflectedSchema>> reflected)
    {
        ArgumentNullException.ThrowIfNull(reflected);
        var files = new Dictionary<string, FileDescriptorProto>(StringComparer.Ordinal);
        var sets = new List<FileDescriptorSet>(PinnedSchema);
        foreach (var file in PinnedSchema.SelectMany(set => set.File))
        {
            files.TryAdd(file.Name, file);
        }

        var services = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (cluster, schema) in reflected)
        {
            var fresh = new FileDescriptorSet();
            fresh.File.AddRange(schema.Files.File.Where(file => files.TryAdd(file.Name, file)));
            sets.Add(fresh);
            services[cluster] = schema.Services;
        }

        var claims = services.SelectMany(pair => pair.Value.Select(service => pair.Key + "=" + service));
        return (sets, services, ReflectionClient.Fingerprint(files.Values, claims));
    }

    public async ValueTask DisposeAsync()
    {
        RateLimiters.Dispose();
        if (ownsIdempotency)
        {
            await Idempotency.DisposeAsync().ConfigureAwait(false);
        }

        await Clusters.DisposeAsync().ConfigureAwait(false);
    }
}
