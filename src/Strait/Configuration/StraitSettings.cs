using Google.Protobuf.Reflection;
using Strait.Configuration.Validators;
using Strait.Errors;
using Strait.Headers;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Security;
using Strait.Upstream;

namespace Strait.Configuration;

/// <summary>How the gateway will run, which decides what its configuration must give.</summary>
internal sealed class ValidationContext
{
    /// <summary>Whether the default cluster must have endpoints: serving needs them, printing routes or the OpenAPI document does not.</summary>
    public bool RequireBackend { get; init; } = true;

    /// <summary>Descriptor sets given in code (the demo's compiled schema), served beside the options' files.</summary>
    public IReadOnlyList<FileDescriptorSet> SchemaSets { get; init; } = [];

    /// <summary>Header transforms beyond the built-ins, for embedders; the built-ins when null.</summary>
    public HeaderTransformRegistry? Transforms { get; init; }

    /// <summary>The file the options were read from: each error names it, and the line of its key in a YAML file.</summary>
    public string? Source { get; init; }
}

/// <summary>
/// The configuration, checked: what the gateway is built from. <see cref="StraitOptions"/> is what binding fills, with
/// choices as the strings written; <see cref="Validate"/> runs one validator per section, collects every error of
/// every section, and parses each choice once (formats, protocols, algorithms become enums, addresses and networks
/// parsed values). Values that need no parsing (sizes, durations, paths, switches) are read from <see cref="Options"/>.
/// </summary>
internal sealed class StraitSettings
{
    private StraitSettings(
        StraitOptions options,
        ValidationContext context,
        ListenerSettings listeners,
        StreamingSettings streaming,
        ErrorBodyFormat errorFormat,
        HeaderMappingPlan headers,
        IReadOnlyList<ClusterSettings> clusters,
        IReadOnlyList<RateLimitSettings> rateLimits,
        IdempotencyStoreSettings idempotencyStore,
        ClientNetworks reflectionNetworks,
        ClientNetworks openApiNetworks)
    {
        Options = options;
        Source = context.Source;
        SchemaSets = context.SchemaSets;
        Listeners = listeners;
        Streaming = streaming;
        ErrorFormat = errorFormat;
        Headers = headers;
        Clusters = clusters;
        RateLimits = rateLimits;
        IdempotencyStore = idempotencyStore;
        ReflectionNetworks = reflectionNetworks;
        OpenApiNetworks = openApiNetworks;
    }

    /// <summary>The options the settings were checked from.</summary>
    public StraitOptions Options { get; }

    /// <summary>The configuration file, which errors found later (when a schema's routes are resolved) name too.</summary>
    public string? Source { get; }

    /// <inheritdoc cref="ValidationContext.SchemaSets"/>
    public IReadOnlyList<FileDescriptorSet> SchemaSets { get; }

    public ListenerSettings Listeners { get; }

    public StreamingSettings Streaming { get; }

    /// <summary>The body of error answers (<c>errors.format</c>).</summary>
    public ErrorBodyFormat ErrorFormat { get; }

    /// <summary>The header rules, compiled.</summary>
    public HeaderMappingPlan Headers { get; }

    /// <summary>The default cluster's settings first, then the named ones' in configuration order.</summary>
    public IReadOnlyList<ClusterSettings> Clusters { get; }

    public IReadOnlyList<RateLimitSettings> RateLimits { get; }

    public IdempotencyStoreSettings IdempotencyStore { get; }

    /// <summary>Who Strait's reflection service answers (<c>gatewayServices.reflectionAllowedNetworks</c>).</summary>
    public ClientNetworks ReflectionNetworks { get; }

    /// <summary>Who the OpenAPI document and explorer are served to (<c>openApi.allowedNetworks</c>).</summary>
    public ClientNetworks OpenApiNetworks { get; }

    /// <summary>Checks every section of <paramref name="options"/>.</summary>
    /// <exception cref="StraitConfigurationException">Any section holds an error; the message lists every one, each with its key and place.</exception>
    public static StraitSettings Validate(StraitOptions options, ValidationContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        context ??= new ValidationContext();
        var errors = new List<string>();
        var listeners = ListenerValidator.Validate(options, errors);
        AdminValidator.Validate(options.Admin, errors);
        LimitsValidator.Validate(options, errors);
        JsonValidator.Validate(options.Json, errors);
        var streaming = StreamingValidator.Validate(options.Streaming, errors);
        var errorFormat = ErrorsValidator.Validate(options.Errors, errors);
        errors.AddRange(options.Cors.Validate());
        SchemaValidator.Validate(options, context.SchemaSets.Count > 0, errors);
        var headers = HeaderMappingCompiler.TryCompile(options.Headers, context.Transforms ?? new HeaderTransformRegistry(), errors);
        var clusters = ClustersValidator.Validate(options.Backend, options.Clusters, context.RequireBackend, errors);
        CallPolicies.Validate(options.Resilience, errors);
        var idempotencyStore = IdempotencyStores.Validate(options.Resilience.IdempotencyStore, errors);
        var rateLimits = RateLimitsValidator.Validate(options.RateLimits, errors);
        var reflectionNetworks = ClientNetworks.TryParse(options.GatewayServices.ReflectionAllowedNetworks, "gatewayServices.reflectionAllowedNetworks", errors);
        var openApiNetworks = ClientNetworks.TryParse(options.OpenApi.AllowedNetworks, "openApi.allowedNetworks", errors);
        errors.AddRange(options.OpenApi.Validate());
        if (errors.Count > 0)
        {
            throw new StraitConfigurationException(errors, context.Source);
        }

        // Every validator that returns null has added an error, so none is null here.
        return new StraitSettings(
            options,
            context,
            listeners,
            streaming!,
            errorFormat!.Value,
            headers!,
            clusters!,
            rateLimits!,
            idempotencyStore!,
            reflectionNetworks!,
            openApiNetworks!);
    }
}
