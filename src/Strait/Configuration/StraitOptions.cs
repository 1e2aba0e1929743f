using Strait.Cors;

namespace Strait.Configuration;

/// <summary>
/// Everything <c>strait serve</c> reads from its configuration file (YAML or JSON) and environment
/// (<c>STRAIT_</c> prefix, <c>__</c> between levels). Documented key by key in docs/configuration.md.
/// </summary>
internal sealed class StraitOptions
{
    /// <summary>Where the gateway listens, e.g. <c>http://127.0.0.1:8080</c>. Several URLs are separated by ';'.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// What the listen URLs speak: <c>http1AndHttp2</c> (on http:// HTTP/1.1 and h2c with prior knowledge, told apart by
    /// the HTTP/2 preface; on https:// both by ALPN), <c>http1</c> or <c>http2</c>. Unset: <c>http1AndHttp2</c> on http://
    /// URLs and <c>http1</c> on https:// ones.
    /// </summary>
    public string? ListenProtocols { get; set; }

    /// <summary>Further URLs that speak HTTP/2 only, beside <see cref="Listen"/>.</summary>
    public string? Http2Listen { get; set; }

    /// <summary>The certificate of https:// listen URLs.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Which browser origins may call Strait (grpc-web, REST, SSE, WebSocket), and what they may read.</summary>
    public CorsOptions Cors { get; set; } = new();

    public SchemaOptions Schema { get; set; } = new();

    /// <summary>The default cluster: serves every route no entry of <see cref="Clusters"/> claims.</summary>
    public Upstream.ClusterOptions Backend { get; set; } = new();

    /// <summary>Further clusters by name, each serving the services, methods or routes it lists.</summary>
    public Dictionary<string, Upstream.ClusterOptions> Clusters { get; set; } = new(StringComparer.Ordinal);

    public AdminOptions Admin { get; set; } = new();

    /// <summary>The OpenAPI 3.1 document generated from the schema, and the API explorer page (docs/reflection.md).</summary>
    public OpenApi.OpenApiOptions OpenApi { get; set; } = new();

    /// <summary>The gRPC services Strait answers itself on its HTTP/2 ports: health and reflection (docs/reflection.md).</summary>
    public GatewayServicesOptions GatewayServices { get; set; } = new();

    /// <summary>Deadlines, retries, hedging and Idempotency-Key replay per route (docs/resilience.md).</summary>
    public Resilience.ResilienceOptions Resilience { get; set; } = new();

    /// <summary>Edge rate limits by name: requests over a limit get 429 with Retry-After (docs/resilience.md).</summary>
    public Dictionary<string, Resilience.RateLimitOptions> RateLimits { get; set; } = new(StringComparer.Ordinal);

    public HttpRulesOptions Http { get; set; } = new();

    public RoutingOptions Routing { get; set; } = new();

    public JsonOptions Json { get; set; } = new();

    public LimitsOptions Limits { get; set; } = new();

    public StreamingOptions Streaming { get; set; } = new();

    public ErrorOptions Errors { get; set; } = new();

    public Headers.HeaderMappingOptions Headers { get; set; } = new();
}

internal sealed class SchemaOptions
{
    /// <summary>FileDescriptorSet files (<c>protoc --descriptor_set_out --include_imports</c>).</summary>
    public List<string> DescriptorSets { get; set; } = [];

    /// <summary>.proto files compiled at startup with the bundled protoc: paths on disk, or else relative to one of <see cref="ProtoPaths"/>.</summary>
    public List<string> Protos { get; set; } = [];

    /// <summary>Import roots for <see cref="Protos"/>; each file's own folder when empty.</summary>
    public List<string> ProtoPaths { get; set; } = [];

    /// <summary>A protoc to use instead of STRAIT_PROTOC, PATH or the bundled one.</summary>
    public string? Protoc { get; set; }

    /// <summary>How schemas are read from backends that serve reflection (<c>backend.reflection</c>, <c>clusters.NAME.reflection</c>).</summary>
    public SchemaReflectionOptions Reflection { get; set; } = new();
}

/// <summary>Reading backends' schemas over server reflection, and refreshing them.</summary>
internal sealed class SchemaReflectionOptions
{
    /// <summary>How often reflecting clusters are asked again; a changed schema is swapped in. Zero: only at startup and on the admin trigger.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest one endpoint's reflection exchange may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long startup waits for reflecting clusters to answer (backends starting beside the gateway) before it fails.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>HTTP rules given in configuration, for methods whose protos carry no annotations (like google.api.Service's http.rules).</summary>
internal sealed class HttpRulesOptions
{
    public List<HttpRuleOptions> Rules { get; set; } = [];
}

internal sealed class HttpRuleOptions
{
    /// <summary>The method's full name, <c>package.Service.Method</c>.</summary>
    public string? Selector { get; set; }

    public string? Get { get; set; }

    public string? Put { get; set; }

    public string? Post { get; set; }

    public string? Delete { get; set; }

    public string? Patch { get; set; }

    /// <summary>A custom verb, with <see cref="Path"/>.</summary>
    public string? Custom { get; set; }

    public string? Path { get; set; }

    public string? Body { get; set; }

    public string? ResponseBody { get; set; }

    public List<HttpRuleOptions> AdditionalBindings { get; set; } = [];
}

internal sealed class RoutingOptions
{
    /// <summary>Expose every method at <c>POST /package.Service/Method</c> with the whole message as body.</summary>
    public bool GenerateMethodRoutes { get; set; } = true;

    /// <summary>Skip query parameters that name no field instead of answering 400.</summary>
    public bool IgnoreUnknownQueryParameters { get; set; }
}

internal sealed class JsonOptions
{
    /// <summary>Write fields that hold their default value (0, "", false, empty lists).</summary>
    public bool EmitUnpopulated { get; set; }

    /// <summary>Write proto field names (<c>page_size</c>) instead of lowerCamel JSON names (<c>pageSize</c>).</summary>
    public bool UseProtoFieldNames { get; set; }

    /// <summary>Write enum values as numbers instead of names.</summary>
    public bool EnumsAsIntegers { get; set; }

    /// <summary>Skip JSON fields that name no proto field instead of answering 400.</summary>
    public bool IgnoreUnknownFields { get; set; }

    /// <summary>Deepest JSON nesting accepted in a request body.</summary>
    public int MaxDepth { get; set; } = 64;

    /// <summary>Deepest message nesting written from a reply; a deeper reply is a malformed upstream response.</summary>
    public int MaxResponseDepth { get; set; } = 100;
}

internal sealed class LimitsOptions
{
    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    public long MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of gRPC messages that frame headers announced and that have not arrived yet, summed over every call in
    /// the process (client requests on every gRPC edge and upstream replies). A message that does not fit is refused
    /// with RESOURCE_EXHAUSTED, so headers that declare large messages and never send them cannot take the memory.
    /// </summary>
    public long MaxPendingMessageBytes { get; set; } = Wire.ReceiveBudget.DefaultCapacity;
}

/// <summary>How REST server streams are written (docs/streaming.md).</summary>
internal sealed class StreamingOptions
{
    /// <summary>
    /// <c>none</c> (default): each NDJSON line is the message itself. <c>result</c>: grpc-gateway's form,
    /// <c>{"result": message}</c> per line, for clients written against it.
    /// </summary>
    public string Envelope { get; set; } = "none";

    /// <summary>How long an event stream may be silent before a <c>: keep-alive</c> comment is sent.</summary>
    public TimeSpan SseKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest message a client may send on a stream (gRPC, grpc-web, NDJSON line, WebSocket frame), in bytes.</summary>
    public int MaxMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long any stream may run before Strait ends it (DEADLINE_EXCEEDED-like, with its own message); unset: no cap beyond the deadline.</summary>
    public TimeSpan? MaxLifetime { get; set; }

    /// <summary>How long a stream may pass no message either way before Strait ends it; unset: no idle cap.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>
    /// How long a streamed REST request body (NDJSON or JSON array) may send no byte before Strait answers 408 and
    /// cancels the call. Any byte counts, whitespace too: the deadline bounds a body that only trickles.
    /// </summary>
    public TimeSpan RequestBodyIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Streams open at once across all clients; further ones are refused (RESOURCE_EXHAUSTED, 503) until one ends.</summary>
    public int MaxStreams { get; set; } = 10_000;

    /// <summary>Streams one client (by <see cref="ClientKey"/>) may have open at once; unset: only <see cref="MaxStreams"/> applies.</summary>
    public int? MaxStreamsPerClient { get; set; }

    /// <summary>How often Strait pings a WebSocket client; one that does not answer within as long again is closed.</summary>
    public TimeSpan WebSocketKeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Who a client is for <see cref="MaxStreamsPerClient"/>: <c>ip</c> (default), <c>header:NAME</c> or <c>jwt:CLAIM</c>, as for rate limits.</summary>
    public string ClientKey { get; set; } = "ip";
}

internal sealed class ErrorOptions
{
    /// <summary><c>problem</c> (RFC 9457, default) or <c>google-rpc-status</c> (grpc-gateway compatible).</summary>
    public string Format { get; set; } = "problem";

    /// <summary>Prefix of every problem <c>type</c> URI; the problem's slug (e.g. <c>not-found</c>) is appended.</summary>
    public string TypeBaseUri { get; set; } = "urn:strait:problem:";
}

internal sealed class TlsOptions
{
    /// <summary>A PEM certificate (with <see cref="Key"/>) or a PKCS#12 file without a password (no key).</summary>
    public string? Certificate { get; set; }

    /// <summary>The PEM private key of <see cref="Certificate"/>.</summary>
    public string? Key { get; set; }
}

/// <summary>The admin endpoint: cluster and endpoint state as JSON, on a listener of its own.</summary>
internal sealed class GatewayServicesOptions
{
    /// <summary><c>grpc.health.v1.Health</c>: Strait's readiness (<c>""</c>) and each routed service's upstream health.</summary>
    public bool Health { get; set; } = true;

    /// <summary><c>grpc.reflection.v1</c> and <c>v1alpha</c>, describing everything Strait routes (for grpcurl, Postman).</summary>
    public bool Reflection { get; set; } = true;

    /// <summary>
    /// The client networks (CIDR) reflection answers; others get PERMISSION_DENIED. Loopback and private networks by
    /// default (<see cref="Security.ClientNetworks.Private"/>, when the list is empty), so that a schema is not published to the
    /// internet by accident; <c>0.0.0.0/0</c> and <c>::/0</c> open it.
    /// </summary>
    public List<string> ReflectionAllowedNetworks { get; set; } = [];
}

internal sealed class AdminOptions
{
    /// <summary>URL of the admin listener, e.g. <c>http://127.0.0.1:9901</c>; off when unset. Keep it off public interfaces.</summary>
    public string? Listen { get; set; }

    /// <summary>
    /// Host names the listener answers besides <c>localhost</c>, IP addresses and the listen host; requests naming any
    /// other host get 421 (a DNS-rebinding page names its own).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>A bearer token every admin request must carry; none when unset. Prefer <see cref="TokenFile"/>.</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the token (surrounding whitespace ignored), read at startup.</summary>
    public string? TokenFile { get; set; }
}
