using System.Net;
using System.Security.Cryptography.X509Certificates;
using Strait.Upstream.Balancing;
using Strait.Upstream.Dns;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>How a configured address becomes endpoints.</summary>
internal enum AddressDiscovery
{
    /// <summary>An IP literal: one endpoint, as configured.</summary>
    Static,

    /// <summary>A host name: one endpoint per A and AAAA record, on the configured port.</summary>
    Dns,

    /// <summary>An SRV name: one endpoint per address of each target, on the port of the target's record.</summary>
    Srv,
}

/// <summary>One configured address and how its endpoints are found.</summary>
internal sealed record AddressEntry(Uri Address, int Weight, AddressDiscovery Discovery)
{
    /// <summary>Whether the endpoints come from DNS, and so are found again every refresh.</summary>
    public bool IsDnsName => Discovery != AddressDiscovery.Static;
}

/// <summary>Where a <c>ring_hash</c> cluster reads each call's affinity key.</summary>
internal sealed record AffinitySource(bool FromHeader, string Name)
{
    public override string ToString() => (FromHeader ? "header:" : "metadata:") + Name;
}

/// <summary>The cluster's <c>retryBudget</c>, frozen.</summary>
internal sealed record RetryBudgetSettings(double Ratio, int MinRetriesPerSecond, TimeSpan Window);

/// <summary>The cluster's <c>circuitBreaker</c> caps, frozen.</summary>
internal sealed record ConcurrencyLimits(int MaxRequests, int MaxPending, TimeSpan MaxPendingWait, int MaxRetries);

/// <summary>
/// A cluster's configuration, checked and frozen: what <see cref="UpstreamCluster"/> runs on. Built from
/// <see cref="ClusterOptions"/> by <see cref="TryCreate"/>, which reports every problem with its configuration key.
/// </summary>
internal sealed class ClusterSettings
{
    private readonly GrpcStatusCodeSet failureCodes;

    private ClusterSettings(
        string name,
        ClusterOptions options,
        LoadBalancingPolicy policy,
        AffinitySource? affinity,
        IReadOnlyList<AddressEntry> addresses,
        GrpcStatusCodeSet failureCodes,
        IDnsResolver resolver,
        GrpcClientOptions clientOptions)
    {
        Name = name;
        Policy = policy;
        Affinity = affinity;
        Addresses = addresses;
        this.failureCodes = failureCodes;
        Resolver = resolver;
        ClientOptions = clientOptions;
        Timeout = options.Timeout;
        DnsRefreshInterval = options.Dns.RefreshInterval;
        PanicThreshold = options.PanicThreshold;
        DrainTimeout = options.DrainTimeout;
        var health = options.HealthCheck;
        HealthCheckEnabled = health.Enabled;
        HealthCheckService = health.Service;
        HealthCheckInterval = health.Interval;
        HealthCheckTimeout = health.Timeout;
        HealthyThreshold = health.HealthyThreshold;
        UnhealthyThreshold = health.UnhealthyThreshold;
        var outliers = options.OutlierDetection;
        OutlierDetectionEnabled = outliers.Enabled;
        ConsecutiveErrors = outliers.ConsecutiveErrors;
        OutlierInterval = outliers.Interval;
        BaseEjectionTime = outliers.BaseEjectionTime;
        MaxEjectionTime = outliers.MaxEjectionTime;
        MaxEjectionPercent = outliers.MaxEjectionPercent;
        SuccessRateEnabled = outliers.SuccessRate.Enabled;
        SuccessRateMinimumHosts = outliers.SuccessRate.MinimumHosts;
        SuccessRateRequestVolume = outliers.SuccessRate.RequestVolume;
        SuccessRateStdevFactor = outliers.SuccessRate.StdevFactor;
        FailurePercentageEnabled = outliers.FailurePercentage.Enabled;
        FailurePercentageThreshold = outliers.FailurePercentage.Threshold;
        FailurePercentageMinimumHosts = outliers.FailurePercentage.MinimumHosts;
        FailurePercentageRequestVolume = outliers.FailurePercentage.RequestVolume;
        HalfOpenProbes = outliers.HalfOpenProbes;
        Reflection = options.Reflection;
        RetryBudget = new RetryBudgetSettings(options.RetryBudget.Ratio, options.RetryBudget.MinRetriesPerSecond, options.RetryBudget.Window);
        var breaker = options.CircuitBreaker;
        Limits = new ConcurrencyLimits(breaker.MaxRequests, breaker.MaxPending, breaker.MaxPendingWait, breaker.MaxRetries);
    }

    public string Name { get; }

    public LoadBalancingPolicy Policy { get; }

    public AffinitySource? Affinity { get; }

    public IReadOnlyList<AddressEntry> Addresses { get; }

    public IDnsResolver Resolver { get; }

    /// <summary>The template every endpoint's client is made from (each endpoint adds where to dial).</summary>
    public GrpcClientOptions ClientOptions { get; }

    public TimeSpan Timeout { get; }

    public TimeSpan DnsRefreshInterval { get; }

    public int PanicThreshold { get; }

    public TimeSpan DrainTimeout { get; }

    public bool HealthCheckEnabled { get; }

    public string HealthCheckService { get; }

    public TimeSpan HealthCheckInterval { get; }

    public TimeSpan HealthCheckTimeout { get; }

    public int HealthyThreshold { get; }

    public int UnhealthyThreshold { get; }

    public bool OutlierDetectionEnabled { get; }

    public int ConsecutiveErrors { get; }

    public TimeSpan OutlierInterval { get; }

    public TimeSpan BaseEjectionTime { get; }

    public TimeSpan MaxEjectionTime { get; }

    public int MaxEjectionPercent { get; }

    public bool SuccessRateEnabled { get; }

    public int SuccessRateMinimumHosts { get; }

    public int SuccessRateRequestVolume { get; }

    public double SuccessRateStdevFactor { get; }

    public bool FailurePercentageEnabled { get; }

    public int FailurePercentageThreshold { get; }

    public int FailurePercentageMinimumHosts { get; }

    public int FailurePercentageRequestVolume { get; }

    public int HalfOpenProbes { get; }

    /// <summary>Whether calls are counted per review interval: only the success-rate and failure-percentage reviews read them.</summary>
    public bool IntervalCountsEnabled => SuccessRateEnabled || FailurePercentageEnabled;

    public RetryBudgetSettings RetryBudget { get; }

    /// <summary>Whether the cluster's schema is read from its endpoints' server reflection.</summary>
    public bool Reflection { get; }

    public ConcurrencyLimits Limits { get; }

    public bool HasDnsNames
    {
        get
        {
            foreach (var entry in Addresses)
            {
                if (entry.IsDnsName)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Whether a backend's answer with this code counts against the endpoint in outlier detection.</summary>
    public bool IsFailureCode(GrpcStatusCode code) => failureCodes.Contains(code);

    /// <param name="key">The configuration key problems are reported under: <c>backend</c> or <c>clusters.NAME</c>.</param>
    /// <param name="resolverFactory">Builds the DNS resolver from the name servers given (none: the system's) and <c>dns.timeout</c>.</param>
    public static ClusterSettings? TryCreate(string name, string key, ClusterOptions options, List<string> errors, Func<IReadOnlyList<IPEndPoint>, TimeSpan, IDnsResolver>? resolverFactory = null)
    {
        var before = errors.Count;
        void Error(string path, string text) => errors.Add($"{key}.{path}: {text}");

        if (!LoadBalancingPolicyNames.TryParse(options.LbPolicy, out var policy))
        {
            Error("lbPolicy", $"'{options.LbPolicy}' is not a policy; use {LoadBalancingPolicyNames.All}");
        }

        AffinitySource? affinity = null;
        if (options.HashOn is { } hashOn)
        {
            affinity = ParseAffinity(hashOn);
            if (affinity is null)
            {
                Error("hashOn", $"'{hashOn}' must be header:NAME or metadata:NAME");
            }
        }

        if (policy == LoadBalancingPolicy.RingHash && affinity is null && options.HashOn is null)
        {
            Error("hashOn", "ring_hash needs a key: header:NAME or metadata:NAME");
        }
        else if (options.HashOn is not null && policy != LoadBalancingPolicy.RingHash && LoadBalancingPolicyNames.TryParse(options.LbPolicy, out _))
        {
            Error("hashOn", $"only ring_hash reads a hash key; lbPolicy is {options.LbPolicy}");
        }

        var addresses = new List<AddressEntry>();
        for (var i = 0; i < options.Addresses.Count; i++)
        {
            AddAddress(options.Addresses[i], 1, $"addresses[{i}]");
        }

        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            if (endpoint.Weight is < 1 or > 10_000)
            {
                Error($"endpoints[{i}].weight", $"must be between 1 and 10000 (it is {endpoint.Weight})");
            }

            if (string.IsNullOrWhiteSpace(endpoint.Address))
            {
                Error($"endpoints[{i}].address", "is missing");
                continue;
            }

            AddAddress(endpoint.Address, endpoint.Weight, $"endpoints[{i}].address");
        }

        CheckPositive(options.Timeout, "timeout");
        if (options.Timeout > MaxTimeout)
        {
            Error("timeout", $"must be at most {MaxTimeout} (it is {options.Timeout})");
        }

        CheckPositive(options.ConnectTimeout, "connectTimeout");
        if (options.MaxResponseMessageSize <= 0)
        {
            Error("maxResponseMessageSize", "must be positive");
        }

        if (options.RequestCompression is not ("none" or "gzip"))
        {
            Error("requestCompression", $"is '{options.RequestCompression}'; use 'none' or 'gzip'");
        }

        if (options.ClientCertificate is "" || options.ClientKey is "" || options.CaCertificate is "")
        {
            Error("clientCertificate", "clientCertificate, clientKey and caCertificate must be file paths when set");
        }

        var connection = options.Connection;
        CheckNotNegative(connection.KeepAlivePingDelay, "connection.keepAlivePingDelay");
        CheckPositive(connection.KeepAlivePingTimeout, "connection.keepAlivePingTimeout");
        CheckPositive(connection.IdleTimeout, "connection.idleTimeout");
        CheckNotNegative(connection.MaxAge, "connection.maxAge");
        CheckPositive(options.Dns.RefreshInterval, "dns.refreshInterval");
        CheckPositive(options.Dns.Timeout, "dns.timeout");
        var servers = new List<IPEndPoint>();
        for (var i = 0; i < options.Dns.Servers.Count; i++)
        {
            var text = options.Dns.Servers[i];
            IPEndPoint? server = null;
            if (IPEndPoint.TryParse(text, out var endPoint) && (text.Contains(':', StringComparison.Ordinal) || endPoint.Port != 0))
            {
                server = endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint;
            }
            else if (IPAddress.TryParse(text, out var address))
            {
                server = new IPEndPoint(address, 53);
            }

            if (server is null)
            {
                Error($"dns.servers[{i}]", $"'{text}' is not IP or IP:PORT");
            }
            else if (server.Address.Equals(IPAddress.Any) || server.Address.Equals(IPAddress.IPv6Any))
            {
                Error($"dns.servers[{i}]", $"'{text}' is the unspecified address, not a name server");
            }
            else
            {
                servers.Add(server);
            }
        }

        var health = options.HealthCheck;
        CheckPositive(health.Interval, "healthCheck.interval");
        CheckPositive(health.Timeout, "healthCheck.timeout");
        CheckRange(health.HealthyThreshold, 1, 100, "healthCheck.healthyThreshold");
        CheckRange(health.UnhealthyThreshold, 1, 100, "healthCheck.unhealthyThreshold");
        CheckRange(options.PanicThreshold, 0, 100, "panicThreshold");
        CheckNotNegative(options.DrainTimeout, "drainTimeout");

        var outliers = options.OutlierDetection;
        CheckRange(outliers.ConsecutiveErrors, 1, 1000, "outlierDetection.consecutiveErrors");
        CheckPositive(outliers.Interval, "outlierDetection.interval");
        CheckPositive(outliers.BaseEjectionTime, "outlierDetection.baseEjectionTime");
        if (outliers.MaxEjectionTime < outliers.BaseEjectionTime)
        {
            Error("outlierDetection.maxEjectionTime", "must be at least baseEjectionTime");
        }

        CheckRange(outliers.MaxEjectionPercent, 0, 100, "outlierDetection.maxEjectionPercent");
        CheckRange(outliers.SuccessRate.MinimumHosts, 1, 10_000, "outlierDetection.successRate.minimumHosts");
        CheckRange(outliers.SuccessRate.RequestVolume, 1, 1_000_000, "outlierDetection.successRate.requestVolume");
        CheckRange(outliers.FailurePercentage.Threshold, 1, 100, "outlierDetection.failurePercentage.threshold");
        CheckRange(outliers.FailurePercentage.MinimumHosts, 1, 10_000, "outlierDetection.failurePercentage.minimumHosts");
        CheckRange(outliers.FailurePercentage.RequestVolume, 1, 1_000_000, "outlierDetection.failurePercentage.requestVolume");
        CheckRange(outliers.HalfOpenProbes, 0, 1000, "outlierDetection.halfOpenProbes");
        if (!(outliers.SuccessRate.StdevFactor > 0))
        {
            Error("outlierDetection.successRate.stdevFactor", "must be positive");
        }

        var budget = options.RetryBudget;
        if (!(budget.Ratio >= 0 && budget.Ratio <= 10))
        {
            Error("retryBudget.ratio", $"must be between 0 and 10 (it is {budget.Ratio})");
        }

        CheckRange(budget.MinRetriesPerSecond, 0, 100_000, "retryBudget.minRetriesPerSecond");
        if (budget.Window < TimeSpan.FromSeconds(1) || budget.Window > TimeSpan.FromMinutes(10))
        {
            Error("retryBudget.window", $"must be between 1 s and 10 min (it is {budget.Window})");
        }

        var breaker = options.CircuitBreaker;
        CheckRange(breaker.MaxRequests, 1, 1_000_000, "circuitBreaker.maxRequests");
        CheckRange(breaker.MaxPending, 0, 1_000_000, "circuitBreaker.maxPending");
        CheckNotNegative(breaker.MaxPendingWait, "circuitBreaker.maxPendingWait");
        CheckRange(breaker.MaxRetries, 0, 1_000_000, "circuitBreaker.maxRetries");

        var failureCodes = GrpcStatusCodeSet.Parse(outliers.FailureCodes ?? ["UNAVAILABLE", "INTERNAL", "UNKNOWN", "DATA_LOSS"], "outlierDetection.failureCodes", Error);

        var clientOptions = CreateClientOptions(options, Error);
        if (errors.Count > before)
        {
            return null;
        }

        var resolver = (resolverFactory ?? DefaultResolver)(servers, options.Dns.Timeout);
        return new ClusterSettings(name, options, policy, affinity, addresses, failureCodes, resolver, clientOptions!);

        void AddAddress(string text, int weight, string path)
        {
            if (!BackendAddress.TryParse(text, out var uri, out var problem))
            {
                Error(path, problem!);
                return;
            }

            var discovery = BackendAddress.IsServiceName(uri) ? AddressDiscovery.Srv
                : uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 ? AddressDiscovery.Static
                : AddressDiscovery.Dns;
            if (discovery != AddressDiscovery.Static && !DnsHostName.TryNormalize(uri.IdnHost, out _, out var nameProblem))
            {
                Error(path, $"'{text}': {nameProblem}");
                return;
            }

            foreach (var earlier in addresses)
            {
                if (earlier.Address == uri)
                {
                    Error(path, $"'{text}' is listed twice");
                    return;
                }
            }

            addresses.Add(new AddressEntry(uri, weight, discovery));
        }

        void CheckPositive(TimeSpan value, string path)
        {
            if (value <= TimeSpan.Zero)
            {
                Error(path, $"must be positive (it is {value})");
            }
        }

        void CheckNotNegative(TimeSpan value, string path)
        {
            if (value < TimeSpan.Zero)
            {
                Error(path, $"must not be negative (it is {value})");
            }
        }

        void CheckRange(int value, int min, int max, string path)
        {
            if (value < min || value > max)
            {
                Error(path, $"must be between {min} and {max} (it is {value})");
            }
        }
    }

    /// <summary>The longest call deadline accepted; longer ones are almost certainly a unit mistake.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);

    private static IDnsResolver DefaultResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout) =>
        servers.Count == 0 ? new SystemDnsResolver(timeout) : new NameServerResolver(servers, timeout);

    private static AffinitySource? ParseAffinity(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var kind = text[..colon].Trim();
        var name = text[(colon + 1)..].Trim().ToLowerInvariant();
        // A binary (-bin) value has no text form to hash the same way on every replica.
        if (name.Length == 0 || name.AsSpan().IndexOfAny(" \t,;:") >= 0 || name.EndsWith("-bin", StringComparison.Ordinal))
        {
            return null;
        }

        return kind switch
        {
            "header" => new AffinitySource(true, name),
            "metadata" => new AffinitySource(false, name),
            _ => null,
        };
    }

    private static GrpcClientOptions? CreateClientOptions(ClusterOptions options, Action<string, string> error)
    {
        var connection = options.Connection;
        var client = new GrpcClientOptions
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = connection.KeepAlivePingDelay == TimeSpan.Zero ? System.Threading.Timeout.InfiniteTimeSpan : connection.KeepAlivePingDelay,
            KeepAlivePingTimeout = connection.KeepAlivePingTimeout,
            PooledConnectionIdleTimeout = connection.IdleTimeout,
            PooledConnectionLifetime = connection.MaxAge == TimeSpan.Zero ? System.Threading.Timeout.InfiniteTimeSpan : connection.MaxAge,
            EnableMultipleHttp2Connections = connection.MultipleConnections,
            MaxReceiveMessageSize = Math.Max(0, options.MaxResponseMessageSize),
            RequestCompression = options.RequestCompression == "gzip" ? GrpcCompression.Gzip : GrpcCompression.None,
            TrustedCaCertificatesPath = string.IsNullOrEmpty(options.CaCertificate) ? null : options.CaCertificate,
            UserAgent = "strait/1.0",
        };

        if (client.TrustedCaCertificatesPath is { } caPath)
        {
            try
            {
                var authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(caPath);
                if (authorities.Count == 0)
                {
                    error("caCertificate", $"'{caPath}' holds no PEM certificate");
                }
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                error("caCertificate", $"'{caPath}': {e.Message}");
            }
        }

        if (!string.IsNullOrEmpty(options.ClientCertificate))
        {
            try
            {
                client.ClientCertificate = X509Certificate2.CreateFromPemFile(options.ClientCertificate, options.ClientKey);
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                error("clientCertificate", $"'{options.ClientCertificate}': {e.Message}");
                return null;
            }
        }

        return client;
    }
}
