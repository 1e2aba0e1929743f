using System.Net;
using System.Security.Cryptography.X509Certificates;
using Strait.Upstream.Balancing;
using Strait.Upstream.Dns;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>
/// The <c>backend</c> and <c>clusters</c> sections: each cluster's settings, and what only the set can tell (a default
/// cluster without endpoints, a named one that serves nothing or takes the default's name).
/// </summary>
internal static class ClustersValidator
{
    /// <param name="requireDefaultEndpoints">Whether the default cluster must have addresses (not for <c>strait routes</c>).</param>
    /// <returns>The default cluster's settings first, then the named ones' in configuration order; null when <paramref name="errors"/> got problems.</returns>
    public static List<ClusterSettings>? Validate(
        ClusterOptions backend,
        IReadOnlyDictionary<string, ClusterOptions> named,
        bool requireDefaultEndpoints,
        List<string> errors)
    {
        var before = errors.Count;
        if (backend.Services.Count > 0 || backend.Methods.Count > 0 || backend.Routes.Count > 0)
        {
            errors.Add("backend: the default cluster serves whatever no other cluster claims; services, methods and routes belong on clusters.NAME");
        }

        if (requireDefaultEndpoints && backend.Addresses.Count == 0 && backend.Endpoints.Count == 0)
        {
            errors.Add("backend: no endpoints: give --backend HOST:PORT (backend.addresses)");
        }

        var settings = new List<ClusterSettings>();
        if (ClusterSettings.TryCreate(UpstreamClusterSet.DefaultClusterName, "backend", backend, errors) is { } defaultSettings)
        {
            settings.Add(defaultSettings);
        }

        foreach (var (name, options) in named)
        {
            var key = "clusters." + name;
            if (string.Equals(name, UpstreamClusterSet.DefaultClusterName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}: the name '{UpstreamClusterSet.DefaultClusterName}' is the backend section's; pick another");
                continue;
            }

            if (options.Addresses.Count == 0 && options.Endpoints.Count == 0)
            {
                errors.Add($"{key}: no endpoints: give addresses or endpoints");
            }

            if (options.Services.Count == 0 && options.Methods.Count == 0 && options.Routes.Count == 0 && !options.Reflection)
            {
                errors.Add($"{key}: serves nothing: give services, methods or routes, or set reflection: true");
            }

            if (ClusterSettings.TryCreate(name, key, options, errors) is { } clusterSettings)
            {
                settings.Add(clusterSettings);
            }
        }

        return errors.Count > before ? null : settings;
    }
}

/// <summary>Collects a cluster's errors, each as <c>KEY.PATH: text</c> (<c>clusters.users.lbPolicy: …</c>).</summary>
internal readonly struct ClusterErrors(string key, List<string> errors)
{
    public int Count => errors.Count;

    public void Add(string path, string text) => errors.Add($"{key}.{path}: {text}");

    public void Positive(TimeSpan value, string path)
    {
        if (value <= TimeSpan.Zero)
        {
            Add(path, $"must be positive (it is {value})");
        }
    }

    public void NotNegative(TimeSpan value, string path)
    {
        if (value < TimeSpan.Zero)
        {
            Add(path, $"must not be negative (it is {value})");
        }
    }

    public void Range(int value, int min, int max, string path)
    {
        if (value < min || value > max)
        {
            Add(path, $"must be between {min} and {max} (it is {value})");
        }
    }
}

/// <summary><c>lbPolicy</c> and <c>hashOn</c>: how calls are spread.</summary>
internal static class BalancingValidator
{
    public static (LoadBalancingPolicy Policy, AffinitySource? Affinity) Validate(ClusterOptions options, ClusterErrors errors)
    {
        var known = LoadBalancingPolicyNames.TryParse(options.LbPolicy, out var policy);
        if (!known)
        {
            errors.Add("lbPolicy", $"'{options.LbPolicy}' is not a policy; use {LoadBalancingPolicyNames.All}");
        }

        AffinitySource? affinity = null;
        if (options.HashOn is { } hashOn)
        {
            affinity = ParseAffinity(hashOn);
            if (affinity is null)
            {
                errors.Add("hashOn", $"'{hashOn}' must be header:NAME or metadata:NAME");
            }
        }

        if (policy == LoadBalancingPolicy.RingHash && options.HashOn is null)
        {
            errors.Add("hashOn", "ring_hash needs a key: header:NAME or metadata:NAME");
        }
        else if (options.HashOn is not null && policy != LoadBalancingPolicy.RingHash && known)
        {
            errors.Add("hashOn", $"only ring_hash reads a hash key; lbPolicy is {options.LbPolicy}");
        }

        return (policy, affinity);
    }

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
}

/// <summary><c>addresses</c> and <c>endpoints</c>: where the endpoints are, each once.</summary>
internal static class AddressValidator
{
    public static List<AddressEntry> Validate(ClusterOptions options, ClusterErrors errors)
    {
        var addresses = new List<AddressEntry>();
        for (var i = 0; i < options.Addresses.Count; i++)
        {
            Add(addresses, options.Addresses[i], 1, $"addresses[{i}]", errors);
        }

        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            if (endpoint.Weight is < 1 or > 10_000)
            {
                errors.Add($"endpoints[{i}].weight", $"must be between 1 and 10000 (it is {endpoint.Weight})");
            }

            if (string.IsNullOrWhiteSpace(endpoint.Address))
            {
                errors.Add($"endpoints[{i}].address", "is missing");
                continue;
            }

            Add(addresses, endpoint.Address, endpoint.Weight, $"endpoints[{i}].address", errors);
        }

        return addresses;
    }

    private static void Add(List<AddressEntry> addresses, string text, int weight, string path, ClusterErrors errors)
    {
        if (!BackendAddress.TryParse(text, out var uri, out var problem))
        {
            errors.Add(path, problem!);
            return;
        }

        var discovery = BackendAddress.IsServiceName(uri) ? AddressDiscovery.Srv
            : uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 ? AddressDiscovery.Static
            : AddressDiscovery.Dns;
        if (discovery != AddressDiscovery.Static && !DnsHostName.TryNormalize(uri.IdnHost, out _, out var nameProblem))
        {
            errors.Add(path, $"'{text}': {nameProblem}");
            return;
        }

        foreach (var earlier in addresses)
        {
            if (earlier.Address == uri)
            {
                errors.Add(path, $"'{text}' is listed twice");
                return;
            }
        }

        addresses.Add(new AddressEntry(uri, weight, discovery));
    }
}

/// <summary>
/// How each endpoint's client connects and calls: timeouts, message size, compression, TLS files and the
/// <c>connection</c> section. The CA and client certificate files are read here, so that an unreadable one is a
/// configuration error and not every call's failure.
/// </summary>
internal static class ConnectionValidator
{
    /// <summary>The longest call deadline accepted; longer ones are almost certainly a unit mistake.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);

    public static GrpcClientOptions? Validate(ClusterOptions options, ClusterErrors errors)
    {
        errors.Positive(options.Timeout, "timeout");
        if (options.Timeout > MaxTimeout)
        {
            errors.Add("timeout", $"must be at most {MaxTimeout} (it is {options.Timeout})");
        }

        errors.Positive(options.ConnectTimeout, "connectTimeout");
        if (options.MaxResponseMessageSize <= 0)
        {
            errors.Add("maxResponseMessageSize", "must be positive");
        }

        var compression = options.RequestCompression switch
        {
            "none" => GrpcCompression.None,
            "gzip" => GrpcCompression.Gzip,
            _ => (GrpcCompression?)null,
        };
        if (compression is null)
        {
            errors.Add("requestCompression", $"is '{options.RequestCompression}'; use 'none' or 'gzip'");
        }

        if (options.ClientCertificate is "" || options.ClientKey is "" || options.CaCertificate is "")
        {
            errors.Add("clientCertificate", "clientCertificate, clientKey and caCertificate must be file paths when set");
        }

        var connection = options.Connection;
        errors.NotNegative(connection.KeepAlivePingDelay, "connection.keepAlivePingDelay");
        errors.Positive(connection.KeepAlivePingTimeout, "connection.keepAlivePingTimeout");
        errors.Positive(connection.IdleTimeout, "connection.idleTimeout");
        errors.NotNegative(connection.MaxAge, "connection.maxAge");
        var client = new GrpcClientOptions
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = connection.KeepAlivePingDelay == TimeSpan.Zero ? System.Threading.Timeout.InfiniteTimeSpan : connection.KeepAlivePingDelay,
            KeepAlivePingTimeout = connection.KeepAlivePingTimeout,
            PooledConnectionIdleTimeout = connection.IdleTimeout,
            PooledConnectionLifetime = connection.MaxAge == TimeSpan.Zero ? System.Threading.Timeout.InfiniteTimeSpan : connection.MaxAge,
            EnableMultipleHttp2Connections = connection.MultipleConnections,
            MaxReceiveMessageSize = Math.Max(0, options.MaxResponseMessageSize),
            RequestCompression = compression ?? GrpcCompression.None,
            TrustedCaCertificatesPath = string.IsNullOrEmpty(options.CaCertificate) ? null : options.CaCertificate,
            UserAgent = "strait/1.0",
        };

        if (client.TrustedCaCertificatesPath is { } caPath)
        {
            CheckAuthorities(caPath, errors);
        }

        if (!string.IsNullOrEmpty(options.ClientCertificate))
        {
            try
            {
                client.ClientCertificate = X509Certificate2.CreateFromPemFile(options.ClientCertificate, options.ClientKey);
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                errors.Add("clientCertificate", $"'{options.ClientCertificate}': {e.Message}");
                return null;
            }
        }

        return client;
    }

    private static void CheckAuthorities(string caPath, ClusterErrors errors)
    {
        try
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caPath);
            if (authorities.Count == 0)
            {
                errors.Add("caCertificate", $"'{caPath}' holds no PEM certificate");
            }
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            errors.Add("caCertificate", $"'{caPath}': {e.Message}");
        }
    }
}

/// <summary>The <c>dns</c> section: how often names are resolved again, and by which name servers.</summary>
internal static class DnsValidator
{
    /// <returns>The name servers to ask, port 53 when none is given; empty for the system's resolver.</returns>
    public static List<IPEndPoint> Validate(DnsOptions options, ClusterErrors errors)
    {
        errors.Positive(options.RefreshInterval, "dns.refreshInterval");
        errors.Positive(options.Timeout, "dns.timeout");
        var servers = new List<IPEndPoint>();
        for (var i = 0; i < options.Servers.Count; i++)
        {
            var text = options.Servers[i];
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
                errors.Add($"dns.servers[{i}]", $"'{text}' is not IP or IP:PORT");
            }
            else if (server.Address.Equals(IPAddress.Any) || server.Address.Equals(IPAddress.IPv6Any))
            {
                errors.Add($"dns.servers[{i}]", $"'{text}' is the unspecified address, not a name server");
            }
            else
            {
                servers.Add(server);
            }
        }

        return servers;
    }
}

/// <summary><c>healthCheck</c>, <c>panicThreshold</c> and <c>drainTimeout</c>: when an endpoint is in rotation.</summary>
internal static class HealthValidator
{
    public static void Validate(ClusterOptions options, ClusterErrors errors)
    {
        var health = options.HealthCheck;
        errors.Positive(health.Interval, "healthCheck.interval");
        errors.Positive(health.Timeout, "healthCheck.timeout");
        errors.Range(health.HealthyThreshold, 1, 100, "healthCheck.healthyThreshold");
        errors.Range(health.UnhealthyThreshold, 1, 100, "healthCheck.unhealthyThreshold");
        errors.Range(options.PanicThreshold, 0, 100, "panicThreshold");
        errors.NotNegative(options.DrainTimeout, "drainTimeout");
    }
}

/// <summary>The <c>outlierDetection</c> section: which failures eject an endpoint, and for how long.</summary>
internal static class OutlierValidator
{
    private static readonly string[] DefaultFailureCodes = ["UNAVAILABLE", "INTERNAL", "UNKNOWN", "DATA_LOSS"];

    /// <returns>The codes that count as failures.</returns>
    public static GrpcStatusCodeSet Validate(OutlierDetectionOptions outliers, ClusterErrors errors)
    {
        errors.Range(outliers.ConsecutiveErrors, 1, 1000, "outlierDetection.consecutiveErrors");
        errors.Positive(outliers.Interval, "outlierDetection.interval");
        errors.Positive(outliers.BaseEjectionTime, "outlierDetection.baseEjectionTime");
        if (outliers.MaxEjectionTime < outliers.BaseEjectionTime)
        {
            errors.Add("outlierDetection.maxEjectionTime", "must be at least baseEjectionTime");
        }

        errors.Range(outliers.MaxEjectionPercent, 0, 100, "outlierDetection.maxEjectionPercent");
        errors.Range(outliers.SuccessRate.MinimumHosts, 1, 10_000, "outlierDetection.successRate.minimumHosts");
        errors.Range(outliers.SuccessRate.RequestVolume, 1, 1_000_000, "outlierDetection.successRate.requestVolume");
        errors.Range(outliers.FailurePercentage.Threshold, 1, 100, "outlierDetection.failurePercentage.threshold");
        errors.Range(outliers.FailurePercentage.MinimumHosts, 1, 10_000, "outlierDetection.failurePercentage.minimumHosts");
        errors.Range(outliers.FailurePercentage.RequestVolume, 1, 1_000_000, "outlierDetection.failurePercentage.requestVolume");
        errors.Range(outliers.HalfOpenProbes, 0, 1000, "outlierDetection.halfOpenProbes");
        if (!(outliers.SuccessRate.StdevFactor > 0))
        {
            errors.Add("outlierDetection.successRate.stdevFactor", "must be positive");
        }

        return GrpcStatusCodeSet.Parse((IReadOnlyList<string>?)outliers.FailureCodes ?? DefaultFailureCodes, "outlierDetection.failureCodes", errors.Add);
    }
}

/// <summary><c>retryBudget</c> and <c>circuitBreaker</c>: how much extra load the cluster takes.</summary>
internal static class BudgetValidator
{
    public static void Validate(ClusterOptions options, ClusterErrors errors)
    {
        var budget = options.RetryBudget;
        if (!(budget.Ratio >= 0 && budget.Ratio <= 10))
        {
            errors.Add("retryBudget.ratio", $"must be between 0 and 10 (it is {budget.Ratio})");
        }

        errors.Range(budget.MinRetriesPerSecond, 0, 100_000, "retryBudget.minRetriesPerSecond");
        if (budget.Window < TimeSpan.FromSeconds(1) || budget.Window > TimeSpan.FromMinutes(10))
        {
            errors.Add("retryBudget.window", $"must be between 1 s and 10 min (it is {budget.Window})");
        }

        var breaker = options.CircuitBreaker;
        errors.Range(breaker.MaxRequests, 1, 1_000_000, "circuitBreaker.maxRequests");
        errors.Range(breaker.MaxPending, 0, 1_000_000, "circuitBreaker.maxPending");
        errors.NotNegative(breaker.MaxPendingWait, "circuitBreaker.maxPendingWait");
        errors.Range(breaker.MaxRetries, 0, 1_000_000, "circuitBreaker.maxRetries");
    }
}
