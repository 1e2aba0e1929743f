using Google.Protobuf.Reflection;
using Strait.Headers;
using Strait.Reflection;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Schema;
using Strait.Upstream;

namespace Strait.Hosting;

/// <summary>
/// What lives as long as the gateway, under every snapshot: the configuration, the header rules, the upstream clusters
/// (connections, health, budgets, breakers), the rate limiters, the idempotency store, the stream limits and the schema
/// files that pin services. A snapshot is built from it plus a schema (<see cref="BuildSnapshot"/>); disposing the
/// runtime closes what it owns once no snapshot is in use.
/// </summary>
public sealed class GatewayRuntime : IAsyncDisposable
{
    private GatewayRuntime(StraitOptions options, HeaderMappingPlan headers, UpstreamClusterSet clusters, EdgeRateLimiters rateLimiters, IIdempotencyStore idempotency, IReadOnlyList<FileDescriptorSet> pinned)
    {
        Options = options;
        Headers = headers;
        Clusters = clusters;
        RateLimiters = rateLimiters;
        Idempotency = idempotency;
        PinnedSchema = pinned;
        PinnedServices = pinned
            .SelectMany(set => set.File)
            .SelectMany(file => file.Service.Select(service => string.IsNullOrEmpty(file.Package) ? service.Name : file.Package + "." + service.Name))
            .ToHashSet(StringComparer.Ordinal);
        StreamLimits = new StreamLimits(
            options.Streaming.MaxStreams,
            options.Streaming.MaxStreamsPerClient,
            ClientPartition.TryParse(options.Streaming.ClientKey)!,
            options.Streaming.MaxLifetime,
            options.Streaming.IdleTimeout);
    }

    public StraitOptions Options { get; }

    public HeaderMappingPlan Headers { get; }

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
    /// Reads the configuration's schema files and creates the long-lived parts (not started: no I/O). Every problem is
    /// a <see cref="StraitConfigurationException"/> or <see cref="SchemaException"/> naming what is wrong.
    /// </summary>
    /// <param name="schemaSets">Descriptor sets given directly (the demo's compiled schema) in addition to the options' files.</param>
    /// <param name="transforms">Header transforms beyond the built-ins, for embedders; the built-ins when null.</param>
    public static GatewayRuntime Create(
        StraitOptions options,
        bool requireBackend = true,
        IEnumerable<FileDescriptorSet>? schemaSets = null,
        HeaderTransformRegistry? transforms = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var headers = CompileHeaders(options.Headers, transforms ?? new HeaderTransformRegistry());
        var pinned = new List<FileDescriptorSet>(schemaSets ?? []);
        pinned.AddRange(options.Schema.DescriptorSets.Select(SchemaLoader.ReadDescriptorSetFile));
        if (options.Schema.Protos.Count > 0)
        {
            pinned.Add(ProtocCompiler.Locate(options.Schema.Protoc).Compile(options.Schema.Protos, options.Schema.ProtoPaths));
        }

        var errors = new List<string>();
        var clusters = UpstreamClusterSet.TryCreate(options.Backend, options.Clusters, requireBackend, errors);
        var rateLimiters = EdgeRateLimiters.TryCreate(options.RateLimits, errors);
        var idempotency = IdempotencyStores.TryCreate(options.Resilience.IdempotencyStore, errors);
        if (GatewayGrpcServices.ValidateNetworks(options.GatewayServices.ReflectionAllowedNetworks) is { } networkError)
        {
            errors.Add(networkError);
        }

        if (OpenApi.ApiExplorer.Validate(options.OpenApi) is { } openApiError)
        {
            errors.Add(openApiError);
        }

        var reflection = options.Schema.Reflection;
        if (reflection.RefreshInterval < TimeSpan.Zero || (reflection.RefreshInterval > TimeSpan.Zero && reflection.RefreshInterval < TimeSpan.FromSeconds(1)))
        {
            errors.Add($"schema.reflection.refreshInterval: must be 0 (off) or at least 1 second (it is {reflection.RefreshInterval})");
        }

        if (reflection.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"schema.reflection.timeout: must be positive (it is {reflection.Timeout})");
        }

        if (reflection.StartupTimeout < TimeSpan.Zero)
        {
            errors.Add($"schema.reflection.startupTimeout: must not be negative (it is {reflection.StartupTimeout})");
        }

        if (pinned.Count == 0 && clusters is { AnyReflects: false })
        {
            errors.Add("no schema: give --proto FILE or --descriptor-set FILE (schema.protos / schema.descriptorSets), or --reflect (backend.reflection: true)");
        }

        if (clusters is null || rateLimiters is null || idempotency is null || errors.Count > 0)
        {
            // Not started, so nothing is connected yet; disposing only releases the endpoint clients, limiters and store.
            clusters?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            idempotency?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            rateLimiters?.Dispose();
            throw new StraitConfigurationException(string.Join(Environment.NewLine, errors));
        }

        return new GatewayRuntime(options, headers, clusters, rateLimiters, idempotency, pinned);
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

        var registry = SchemaLoader.Load(sets);
        if (registry.Services.Count == 0)
        {
            throw new SchemaException("the schema declares no services");
        }

        return GatewaySnapshot.Build(this, registry, services, ReflectionClient.Fingerprint(files.Values));
    }

    // Header mapping errors are configuration errors: one exception type reaches the CLI, which names the file.
    private static HeaderMappingPlan CompileHeaders(HeaderMappingOptions options, HeaderTransformRegistry transforms)
    {
        try
        {
            return HeaderMappingCompiler.Compile(options, transforms);
        }
        catch (HeaderMappingException e)
        {
            throw new StraitConfigurationException(e.Message, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        RateLimiters.Dispose();
        await Idempotency.DisposeAsync().ConfigureAwait(false);
        await Clusters.DisposeAsync().ConfigureAwait(false);
    }
}
