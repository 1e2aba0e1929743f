using Google.Protobuf.Reflection;
using Strait.Configuration;
using Strait.Headers;
using Strait.OpenApi;
using Strait.Reflection;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Schema;
using Strait.Security;
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
            options.Streaming.IdleTimeout,
            options.Streaming.RequestBodyIdleTimeout);
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
        var errors = new List<string>();
        var headers = HeaderMappingCompiler.TryCompile(options.Headers, transforms ?? new HeaderTransformRegistry(), errors);
        var pinned = new List<FileDescriptorSet>(schemaSets ?? []);
        pinned.AddRange(options.Schema.DescriptorSets.Select(SchemaLoader.ReadDescriptorSetFile));
        if (options.Schema.Protos.Count > 0)
        {
            pinned.Add(ProtocCompiler.Locate(options.Schema.Protoc).Compile(options.Schema.Protos, options.Schema.ProtoPaths));
        }

        var clusters = UpstreamClusterSet.TryCreate(options.Backend, options.Clusters, requireBackend, errors);
        var rateLimiters = EdgeRateLimiters.TryCreate(options.RateLimits, errors);
        var idempotency = IdempotencyStores.TryCreate(options.Resilience.IdempotencyStore, errors);
        if (ClientNetworks.Validate(options.GatewayServices.ReflectionAllowedNetworks, "gatewayServices.reflectionAllowedNetworks") is { } networkError)
        {
            errors.Add(networkError);
        }

        if (ClientNetworks.Validate(options.OpenApi.AllowedNetworks, "openApi.allowedNetworks") is { } openApiNetworkError)
        {
            errors.Add(openApiNetworkError);
        }

        if (OpenApiOptions.Validate(options.OpenApi) is { } openApiError)
        {
            errors.Add(openApiError);
        }

        var reflection = options.Schema.Reflection;
        if (reflection.RefreshInterval != TimeSpan.Zero && (reflection.RefreshInterval < TimeSpan.FromSeconds(1) || reflection.RefreshInterval > TimeSpan.FromDays(1)))
        {
            errors.Add($"schema.reflection.refreshInterval: must be 0 (off) or between 1 second and 1 day (it is {reflection.RefreshInterval})");
        }

        if (reflection.Timeout <= TimeSpan.Zero || reflection.Timeout > TimeSpan.FromHours(1))
        {
            errors.Add($"schema.reflection.timeout: must be between 0 and 1 hour (it is {reflection.Timeout})");
        }

        if (reflection.StartupTimeout < TimeSpan.Zero || reflection.StartupTimeout > TimeSpan.FromDays(1))
        {
            errors.Add($"schema.reflection.startupTimeout: must be between 0 and 1 day (it is {reflection.StartupTimeout})");
        }

        if (options.Backend.Reflection && options.Backend.Addresses.Count == 0 && options.Backend.Endpoints.Count == 0)
        {
            errors.Add("backend.reflection: there is nothing to reflect: give --backend HOST:PORT (backend.addresses)");
        }

        if (pinned.Count == 0 && clusters is { AnyReflects: false })
        {
            errors.Add("no schema: give --proto FILE or --descriptor-set FILE (schema.protos / schema.descriptorSets), or --reflect (backend.reflection: true)");
        }

        if (headers is null || clusters is null || rateLimiters is null || idempotency is null || errors.Count > 0)
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
        await Idempotency.DisposeAsync().ConfigureAwait(false);
        await Clusters.DisposeAsync().ConfigureAwait(false);
    }
}
