namespace Strait.Headers;

/// <summary>
/// The <c>headers:</c> section of the configuration: how HTTP headers become gRPC metadata and back. Compiled once
/// per snapshot into a <see cref="HeaderMappingPlan"/>; docs/header-mapping.md explains the model.
/// </summary>
internal sealed class HeaderMappingOptions
{
    /// <summary>
    /// <c>explicit</c> (default): only rules (plus Strait's own request id and forwarding headers) cross.
    /// <c>grpc-gateway</c>: grpc-gateway's defaults first (permanent headers as <c>grpcgateway-*</c>,
    /// <c>Grpc-Metadata-*</c> stripped of the prefix, unmapped response metadata as <c>Grpc-Metadata-*</c>), rules on top.
    /// </summary>
    public string Mode { get; set; } = HeaderMappingModes.Explicit;

    public List<HeaderRuleOptions> Rules { get; set; } = [];

    /// <summary>Request paths mapped by no rule (health probes, say). An entry ending in <c>*</c> is a prefix.</summary>
    public List<string> SkipPaths { get; set; } = [];

    /// <summary>Match <see cref="HeaderRuleOptions.HttpHeader"/> case-sensitively. HTTP names are case-insensitive, so off by default.</summary>
    public bool CaseSensitive { get; set; }

    /// <summary>When a rule targets a metadata key that already has a value: replace it (true) or add another value (false, default).</summary>
    public bool Overwrite { get; set; }

    /// <summary>Prefix of response headers that carry trailer metadata when the client cannot receive HTTP trailers.</summary>
    public string TrailerPrefix { get; set; } = "Grpc-Trailer-";

    /// <summary>A required outgoing header missing from the backend's reply is a 502 instead of a counted, logged warning.</summary>
    public bool Strict { get; set; }

    /// <summary>
    /// Headers only the gateway may set (identity headers an auth layer adds, say): a client sending one gets a 400,
    /// and no rule may map it incoming.
    /// </summary>
    public List<string> GatewayOwned { get; set; } = [];

    /// <summary>
    /// Proxies (IP addresses or CIDR ranges) whose <c>X-Forwarded-*</c> headers are believed. From anyone else they are
    /// replaced: <c>X-Forwarded-For</c> becomes the peer address, Host and Proto what the connection says.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// Headers whose values debug logs show masked, in addition to the built-in ones (Authorization, Cookie,
    /// Set-Cookie, Proxy-Authorization, X-Api-Key).
    /// </summary>
    public List<string> SensitiveHeaders { get; set; } = [];

    /// <summary>Most request headers accepted; more is a 431.</summary>
    public int MaxHeaderCount { get; set; } = 100;

    /// <summary>Most bytes of metadata (keys plus values) sent to the backend; more is a 400.</summary>
    public int MaxMetadataSize { get; set; } = 8 * 1024;
}

internal static class HeaderMappingModes
{
    public const string Explicit = "explicit";
    public const string GrpcGateway = "grpc-gateway";
}

/// <summary>One declarative mapping between an HTTP header and a gRPC metadata key.</summary>
internal sealed class HeaderRuleOptions
{
    public string? HttpHeader { get; set; }

    /// <summary>The metadata key; the lower-cased header name when unset. A <c>-bin</c> key carries binary values, base64 on the HTTP side.</summary>
    public string? GrpcMetadata { get; set; }

    /// <summary><c>incoming</c> (HTTP → metadata, default), <c>outgoing</c> (metadata → HTTP) or <c>both</c>.</summary>
    public string Direction { get; set; } = HeaderDirections.Incoming;

    /// <summary>Incoming: a request without the header is a 400. Outgoing: a reply without the metadata is counted (a 502 when strict).</summary>
    public bool Required { get; set; }

    /// <summary>Value used when the header (or metadata) is absent.</summary>
    public string? Default { get; set; }

    /// <summary>Transforms applied in order, as <c>name</c> or <c>name(arg, …)</c>.</summary>
    public List<string> Transforms { get; set; } = [];

    /// <summary>
    /// Outgoing only: <c>header</c> or <c>trailer</c> forces where the value goes; unset, header metadata become
    /// headers and trailer metadata trailers.
    /// </summary>
    public string? Target { get; set; }

    /// <summary>Limits the rule to part of the API; everywhere when unset.</summary>
    public HeaderRuleScopeOptions? Scope { get; set; }
}

internal static class HeaderDirections
{
    public const string Incoming = "incoming";
    public const string Outgoing = "outgoing";
    public const string Both = "both";
}

/// <summary>A rule applies when any listed pattern matches; lists left empty do not restrict.</summary>
internal sealed class HeaderRuleScopeOptions
{
    /// <summary>Route path prefixes (<c>/v1/users</c>) or templates as written in the HttpRule (<c>/v1/{name=users/*}</c>).</summary>
    public List<string> Routes { get; set; } = [];

    /// <summary>Full service names; <c>*</c> matches any run of characters (<c>acme.billing.*</c>).</summary>
    public List<string> Services { get; set; } = [];

    /// <summary>Full method names <c>package.Service.Method</c>; <c>*</c> matches any run of characters (<c>*.Get*</c>).</summary>
    public List<string> Methods { get; set; } = [];
}
