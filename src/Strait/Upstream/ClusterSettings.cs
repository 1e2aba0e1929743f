using System.Net;
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
    /// <returns>Null when <paramref name="errors"/> got problems; every section is checked, so all of them are there.</returns>
    public static ClusterSettings? TryCreate(string name, string key, ClusterOptions options, List<string> errors, Func<IReadOnlyList<IPEndPoint>, TimeSpan, IDnsResolver>? resolverFactory = null)
    {
        var problems = new ClusterErrors(key, errors);
        var before = problems.Count;
        var (policy, affinity) = BalancingValidator.Validate(options, problems);
        var addresses = AddressValidator.Validate(options, problems);
        var clientOptions = ConnectionValidator.Validate(options, problems);
        var servers = DnsValidator.Validate(options.Dns, problems);
        HealthValidator.Validate(options, problems);
        var failureCodes = OutlierValidator.Validate(options.OutlierDetection, problems);
        BudgetValidator.Validate(options, problems);
        if (problems.Count > before)
        {
            return null;
        }

        var resolver = (resolverFactory ?? DefaultResolver)(servers, options.Dns.Timeout);
        return new ClusterSettings(name, options, policy, affinity, addresses, failureCodes, resolver, clientOptions!);
    }

    private static IDnsResolver DefaultResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout) =>
        servers.Count == 0 ? new SystemDnsResolver(timeout) : new NameServerResolver(servers, timeout);
}
