namespace Strait.Upstream;

/// <summary>
/// One upstream cluster as configured: where its endpoints come from, how calls are spread over them, how their
/// connections are managed and how their health is judged. <c>backend</c> is the default cluster; <c>clusters</c> adds
/// named ones. Documented key by key in docs/configuration.md.
/// </summary>
internal sealed class ClusterOptions
{
    /// <summary>
    /// Endpoints, each <c>HOST:PORT</c> (h2c), <c>http://HOST:PORT</c> (h2c) or <c>https://HOST:PORT</c> (TLS, ALPN h2).
    /// A host that is not an IP literal is resolved through DNS, every address it has, and re-resolved every
    /// <see cref="DnsOptions.RefreshInterval"/>.
    /// </summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>Endpoints with a weight (for the <c>weighted</c> policy); an alternative to <see cref="Addresses"/>.</summary>
    public List<EndpointOptions> Endpoints { get; set; } = [];

    /// <summary><c>least_request</c> (default), <c>round_robin</c>, <c>random</c>, <c>weighted</c>, <c>ring_hash</c> or <c>pick_first</c>.</summary>
    public string LbPolicy { get; set; } = "least_request";

    /// <summary>For <c>ring_hash</c>: <c>header:NAME</c> (a client request header) or <c>metadata:NAME</c> (a mapped gRPC metadata key).</summary>
    public string? HashOn { get; set; }

    /// <summary>Services (<c>package.Service</c>) whose methods this cluster serves. Not allowed on the default cluster.</summary>
    public List<string> Services { get; set; } = [];

    /// <summary>Methods (<c>package.Service.Method</c>) this cluster serves; wins over <see cref="Services"/>.</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>Routes (<c>VERB TEMPLATE</c> as <c>strait routes</c> prints them) this cluster serves; wins over methods.</summary>
    public List<string> Routes { get; set; } = [];

    /// <summary>
    /// Whether the schema of this cluster's services comes from its endpoints' server reflection (refreshed every
    /// <c>schema.reflection.refreshInterval</c>). A named cluster then serves the services it reflects, beside any it
    /// lists. Services a descriptor or .proto file defines are not taken from reflection: files pin.
    /// </summary>
    public bool Reflection { get; set; }

    /// <summary>Deadline of every call when the client sets none.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>TCP (and TLS) connect timeout.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest response message accepted, in bytes.</summary>
    public int MaxResponseMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary><c>none</c> or <c>gzip</c>: compression of request messages.</summary>
    public string RequestCompression { get; set; } = "none";

    /// <summary>PEM file of the CA that signs the endpoints' certificates (https only); the system store when unset.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>PEM client certificate for mTLS, with <see cref="ClientKey"/>.</summary>
    public string? ClientCertificate { get; set; }

    public string? ClientKey { get; set; }

    public ConnectionOptions Connection { get; set; } = new();

    public DnsOptions Dns { get; set; } = new();

    public HealthCheckOptions HealthCheck { get; set; } = new();

    public OutlierDetectionOptions OutlierDetection { get; set; } = new();

    /// <summary>
    /// Percent of endpoints that must be healthy for unhealthy ones to be skipped. Below it (and always when none is
    /// healthy) the cluster is in panic mode and calls go to every endpoint. 0 (default): panic only when none is healthy.
    /// </summary>
    public int PanicThreshold { get; set; }

    /// <summary>How long an endpoint that left discovery keeps its connections for the calls still running on it.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public RetryBudgetOptions RetryBudget { get; set; } = new();

    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();
}

/// <summary>Retries and hedges as a share of the cluster's calls (see RetryBudget).</summary>
internal sealed class RetryBudgetOptions
{
    /// <summary>Retries and hedges allowed per call, averaged over <see cref="Window"/>: 0.2 lets 1 call in 5 be retried.</summary>
    public double Ratio { get; set; } = 0.2;

    /// <summary>Retries allowed each second whatever the traffic, so that a quiet cluster can retry at all.</summary>
    public int MinRetriesPerSecond { get; set; } = 10;

    /// <summary>How long a call's deposit counts.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The cluster's concurrency caps: calls beyond them get 503 with Retry-After at once.</summary>
internal sealed class CircuitBreakerOptions
{
    /// <summary>Calls in flight to the cluster at once.</summary>
    public int MaxRequests { get; set; } = 1024;

    /// <summary>Calls that may wait for one of <see cref="MaxRequests"/>; 0 refuses at once.</summary>
    public int MaxPending { get; set; } = 1024;

    /// <summary>The longest a call waits among <see cref="MaxPending"/> (never past its deadline).</summary>
    public TimeSpan MaxPendingWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Retries and hedges in flight at once; 0 (default) leaves them to the retry budget alone.</summary>
    public int MaxRetries { get; set; }
}

internal sealed class EndpointOptions
{
    public string? Address { get; set; }

    /// <summary>Relative share of calls under the <c>weighted</c> policy, 1 to 10,000.</summary>
    public int Weight { get; set; } = 1;
}

internal sealed class ConnectionOptions
{
    /// <summary>Idle time before an HTTP/2 PING checks a connection; 0 disables keep-alive pings.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a keep-alive PING may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long an unused connection is kept before it is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Age after which a connection takes no new calls and is replaced (its running calls finish), so that load
    /// spreads again after a scale-out; 0 (default) keeps connections for as long as they work.
    /// </summary>
    public TimeSpan MaxAge { get; set; }

    /// <summary>Open further connections to an endpoint when one reaches the endpoint's concurrent stream limit.</summary>
    public bool MultipleConnections { get; set; } = true;
}

internal sealed class DnsOptions
{
    /// <summary>How often host names are resolved again; endpoints that appear are added and those that vanish drain.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Name servers (<c>IP</c> or <c>IP:PORT</c>) to ask directly; the operating system's resolver when empty.</summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>Timeout of one query to one of <see cref="Servers"/>.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
}

internal sealed class HealthCheckOptions
{
    /// <summary>Call <c>grpc.health.v1.Health/Check</c> on every endpoint; off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary>The service name asked about; empty means the server as a whole.</summary>
    public string Service { get; set; } = string.Empty;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive SERVING answers that bring an unhealthy endpoint back (an unknown one needs one).</summary>
    public int HealthyThreshold { get; set; } = 1;

    /// <summary>Consecutive failed checks (timeouts, errors) that take an endpoint out; NOT_SERVING takes it out at once.</summary>
    public int UnhealthyThreshold { get; set; } = 3;
}

internal sealed class OutlierDetectionOptions
{
    /// <summary>Eject endpoints whose calls keep failing; on by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Consecutive failed calls that eject an endpoint.</summary>
    public int ConsecutiveErrors { get; set; } = 5;

    /// <summary>How often ejections are reviewed: success rates computed and repeat-ejection counts decayed.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Ejection time of a first ejection; the n-th consecutive ejection lasts n times as long.</summary>
    public TimeSpan BaseEjectionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest an ejection lasts.</summary>
    public TimeSpan MaxEjectionTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most this percent of a cluster's endpoints is ejected at once (one endpoint always may be).</summary>
    public int MaxEjectionPercent { get; set; } = 50;

    /// <summary>
    /// gRPC codes a backend may answer that count as failures (besides connection and protocol failures, which
    /// always count). Codes that describe the request (INVALID_ARGUMENT, NOT_FOUND…) never should.
    /// </summary>
    /// <remarks>Null means the default, [UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS]: the configuration binder appends to a list it finds.</remarks>
    public List<string>? FailureCodes { get; set; }

    public SuccessRateOptions SuccessRate { get; set; } = new();

    public FailurePercentageOptions FailurePercentage { get; set; } = new();

    /// <summary>
    /// Calls a returning endpoint takes at once until one succeeds (half-open): a success closes its circuit, a
    /// failure ejects it again at once. 0 returns it to full rotation straight away.
    /// </summary>
    public int HalfOpenProbes { get; set; } = 1;
}

/// <summary>Ejects endpoints whose share of failed calls over an interval reaches a threshold, whatever the others do.</summary>
internal sealed class FailurePercentageOptions
{
    public bool Enabled { get; set; }

    /// <summary>Percent of failed calls, 1 to 100, that ejects.</summary>
    public int Threshold { get; set; } = 85;

    /// <summary>Endpoints that must each have <see cref="RequestVolume"/> calls in the interval for any to be judged.</summary>
    public int MinimumHosts { get; set; } = 5;

    public int RequestVolume { get; set; } = 50;
}

/// <summary>Ejects endpoints whose success rate over an interval lies far below the cluster's mean.</summary>
internal sealed class SuccessRateOptions
{
    public bool Enabled { get; set; }

    /// <summary>Endpoints that must each have <see cref="RequestVolume"/> calls in the interval for the rates to be compared.</summary>
    public int MinimumHosts { get; set; } = 5;

    public int RequestVolume { get; set; } = 100;

    /// <summary>An endpoint is ejected below mean − factor × standard deviation of the success rates.</summary>
    public double StdevFactor { get; set; } = 1.9;
}
