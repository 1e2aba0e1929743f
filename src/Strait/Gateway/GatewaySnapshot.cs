using Google.Api;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Strait.Configuration;
using Strait.Cors;
using Strait.Errors;
using Strait.Headers;
using Strait.Json;
using Strait.OpenApi;
using Strait.Reflection;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Routing;
using Strait.Schema;

namespace Strait.Gateway;

/// <summary>
/// Everything one request reads, frozen together: schema, routes, codec, options and the route-to-cluster, policy and
/// limit maps. A new schema builds a new snapshot that replaces the old one with a single reference swap, so requests
/// in flight finish on the snapshot they started with and none sees a half-built state. What must outlive a schema
/// (connections, health, budgets, permits, stored answers) lives in the <see cref="GatewayRuntime"/> all snapshots share.
/// </summary>
internal sealed class GatewaySnapshot
{
    private readonly Lazy<ReflectionIndex> reflection;
    private readonly Lazy<(byte[] Document, string ETag)> openApi;

    private GatewaySnapshot(GatewayRuntime runtime, SchemaRegistry schema, RouteTable routeTable, RoutePlans plans, string fingerprint)
    {
        var options = runtime.Options;
        Runtime = runtime;
        Fingerprint = fingerprint;
        Plans = plans;
        // Values are copied out of the (mutable) options: the snapshot must not change after it is built.
        MaxRequestBodySize = options.Limits.MaxRequestBodySize;
        MaxStoredResponse = runtime.Settings.IdempotencyStore.MaxResponseSize;
        StreamResultEnvelope = runtime.Settings.Streaming.Envelope == StreamEnvelope.Result;
        SseKeepAlive = options.Streaming.SseKeepAlive;
        MaxStreamMessageSize = options.Streaming.MaxMessageSize;
        Cors = new CorsPolicy(options.Cors);
        WebSocketKeepAlive = options.Streaming.WebSocketKeepAlive;
        Schema = schema;
        RouteTable = routeTable;
        Codec = new ProtoJsonCodec(new SchemaTypeResolver(schema));
        ReadOptions = new JsonReadOptions { IgnoreUnknownFields = options.Json.IgnoreUnknownFields, MaxDepth = options.Json.MaxDepth };
        WriteOptions = new JsonWriteOptions
        {
            EmitUnpopulated = options.Json.EmitUnpopulated,
            UseProtoFieldNames = options.Json.UseProtoFieldNames,
            EnumsAsIntegers = options.Json.EnumsAsIntegers,
            MaxDepth = options.Json.MaxResponseDepth,
        };
        QueryOptions = new QueryBindingOptions { IgnoreUnknown = options.Routing.IgnoreUnknownQueryParameters };
        ProblemWriter = new ProblemResponseWriter(runtime.Settings.ErrorFormat, options.Errors.TypeBaseUri);
        DetailRenderer = new CodecErrorDetailRenderer(Codec, WriteOptions);
        foreach (var method in schema.MethodsByPath.Values)
        {
            Codec.Prepare(method.InputType);
            Codec.Prepare(method.OutputType);
        }

        var health = options.GatewayServices.Health;
        reflection = new Lazy<ReflectionIndex>(() => new ReflectionIndex(
            [.. schema.Files, .. health ? [HealthReflection.Descriptor] : Array.Empty<Google.Protobuf.Reflection.FileDescriptor>(), .. ReflectionServices.ProtocolFiles],
            [
                .. schema.Services.Select(s => s.FullName),
                .. health ? [GatewayHealthService.ServiceName] : Array.Empty<string>(),
                ReflectionServices.V1ServiceName,
                ReflectionServices.V1AlphaServiceName,
            ]));
        var settings = new OpenApiWriterSettings(
            options.OpenApi.Title,
            options.OpenApi.Version ?? fingerprint,
            options.Json.UseProtoFieldNames,
            options.Json.EnumsAsIntegers,
            StreamResultEnvelope,
            runtime.Settings.ErrorFormat == ErrorBodyFormat.GoogleRpcStatus);
        openApi = new Lazy<(byte[], string)>(() =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
            {
                new OpenApiDocumentWriter(routeTable, settings).Write(json);
            }

            var document = buffer.WrittenSpan.ToArray();
            return (document, "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(document))[..16] + "\"");
        });
    }

    /// <summary>The OpenAPI 3.1 document of this snapshot's routes, built on first use.</summary>
    public ReadOnlyMemory<byte> OpenApiDocument => openApi.Value.Document;

    /// <summary>The document's entity tag: a digest of its bytes, so that a configuration change shows as well as a schema change.</summary>
    public string OpenApiETag => openApi.Value.ETag;

    /// <summary>The parts that outlive snapshots: clusters, limiters, the idempotency store, stream limits, header rules.</summary>
    public GatewayRuntime Runtime { get; }

    /// <summary>A digest of the schema's files: snapshots with equal fingerprints serve the same schema.</summary>
    public string Fingerprint { get; }

    /// <summary>What Strait's own reflection service describes: this snapshot's schema, health and reflection itself.</summary>
    public ReflectionIndex Reflection => reflection.Value;

    public long MaxRequestBodySize { get; }

    /// <summary>NDJSON stream lines are <c>{"result": message}</c> (grpc-gateway's form) rather than the message.</summary>
    public bool StreamResultEnvelope { get; }

    public TimeSpan SseKeepAlive { get; }

    /// <summary>Caps on open streams, their lifetime and their silence.</summary>
    public StreamLimits StreamLimits => Runtime.StreamLimits;

    /// <summary>How often a WebSocket is pinged; a pong missing for as long again closes it.</summary>
    public TimeSpan WebSocketKeepAlive { get; }

    /// <summary>Which browser origins may call, and read what.</summary>
    public CorsPolicy Cors { get; }

    /// <summary>The largest message a client may send on a stream.</summary>
    public int MaxStreamMessageSize { get; }

    public SchemaRegistry Schema { get; }

    public RouteTable RouteTable { get; }

    public ProtoJsonCodec Codec { get; }

    public JsonReadOptions ReadOptions { get; }

    public JsonWriteOptions WriteOptions { get; }

    public QueryBindingOptions QueryOptions { get; }

    public ProblemResponseWriter ProblemWriter { get; }

    public IErrorDetailRenderer DetailRenderer { get; }

    public HeaderMappingPlan Headers => Runtime.Headers;

    /// <summary>The plan of every route and method: cluster, call policy, rate limits, header rules.</summary>
    public RoutePlans Plans { get; }

    /// <summary>Where answers to requests with an Idempotency-Key are kept for replay.</summary>
    public IIdempotencyStore Idempotency => Runtime.Idempotency;

    /// <summary>The largest answer the idempotency store keeps, in bytes.</summary>
    public int MaxStoredResponse { get; }

    /// <summary>
    /// Builds the routes of <paramref name="schema"/> and resolves clusters, policies and limits for them. Every
    /// problem is reported at once, in one <see cref="StraitConfigurationException"/>; nothing is started or disposed.
    /// </summary>
    /// <param name="reflected">The services each reflecting named cluster reflected, which it serves.</param>
    internal static GatewaySnapshot Build(GatewayRuntime runtime, SchemaRegistry schema, IReadOnlyDictionary<string, IReadOnlyList<string>> reflected, string fingerprint)
    {
        var options = runtime.Options;
        var errors = new List<string>();
        // Resolved against the routes that did build, so that claims are checked even when some rule is wrong.
        var routeTable = BuildRoutes(schema, options, errors);
        var grpcPaths = schema.MethodsByPath.ToDictionary(p => p.Value, p => p.Key);
        var plans = RoutePlans.TryBuild(runtime, routeTable, grpcPaths, reflected, errors);
        if (errors.Count > 0 || plans is null)
        {
            throw new StraitConfigurationException(errors, runtime.Settings.Source);
        }

        return new GatewaySnapshot(runtime, schema, routeTable, plans, fingerprint);
    }

    private static RouteTable BuildRoutes(SchemaRegistry schema, StraitOptions options, List<string> errors)
    {
        var builder = new RouteTableBuilder(new RouteTableOptions { GenerateMethodRoutes = options.Routing.GenerateMethodRoutes });
        var methodsByName = schema.Services.SelectMany(s => s.Methods).ToDictionary(m => m.FullName, StringComparer.Ordinal);
        foreach (var method in methodsByName.Values)
        {
            builder.AddMethod(method);
            Collect(HttpRuleReader.ReadAnnotation(method), builder, errors);
        }

        foreach (var ruleOptions in options.Http.Rules)
        {
            if (ruleOptions.Selector is null || !methodsByName.TryGetValue(ruleOptions.Selector, out var method))
            {
                errors.Add($"http.rules: selector '{ruleOptions.Selector}' names no method of the schema (use package.Service.Method)");
                continue;
            }

            if (!TryConvert(ruleOptions, out var rule, out var error))
            {
                errors.Add($"http.rules for {ruleOptions.Selector}: {error}");
                continue;
            }

            Collect(HttpRuleReader.Read(method, rule, RouteSource.Config), builder, errors);
        }

        var result = builder.Build();
        errors.AddRange(result.Conflicts.Select(c => $"route conflict: {c}"));
        return result.Table;
    }

    private static void Collect(HttpRuleReadResult result, RouteTableBuilder builder, List<string> errors)
    {
        builder.AddRange(result.Routes);
        errors.AddRange(result.Errors.Select(e => e.ToString()));
    }

    private static bool TryConvert(HttpRuleOptions options, out HttpRule rule, out string? error)
    {
        rule = new HttpRule { Selector = options.Selector ?? string.Empty, Body = options.Body ?? string.Empty, ResponseBody = options.ResponseBody ?? string.Empty };
        error = null;
        var patterns = 0;
        if (options.Get is not null) { rule.Get = options.Get; patterns++; }
        if (options.Put is not null) { rule.Put = options.Put; patterns++; }
        if (options.Post is not null) { rule.Post = options.Post; patterns++; }
        if (options.Delete is not null) { rule.Delete = options.Delete; patterns++; }
        if (options.Patch is not null) { rule.Patch = options.Patch; patterns++; }
        if (options.Custom is not null)
        {
            rule.Custom = new CustomHttpPattern { Kind = options.Custom, Path = options.Path ?? string.Empty };
            patterns++;
        }

        if (patterns != 1)
        {
            error = "a rule needs exactly one of get, put, post, delete, patch or custom (with path)";
            return false;
        }

        foreach (var binding in options.AdditionalBindings)
        {
            if (binding.AdditionalBindings.Count > 0)
            {
                error = "additional bindings cannot have additional bindings of their own";
                return false;
            }

            if (!TryConvert(binding, out var additional, out error))
            {
                return false;
            }

            rule.AdditionalBindings.Add(additional);
        }

        return true;
    }

    private sealed class SchemaTypeResolver(SchemaRegistry schema) : IMessageTypeResolver
    {
        public MessageDescriptor? FindMessageType(string fullName) => schema.FindMessageType(fullName);
    }
}
