using System.Text.Json;
using Strait.Upstream.Balancing;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>
/// The admin view of the clusters as JSON: each cluster's policy, discovery warnings and panic state, and each
/// endpoint's state, calls in flight and calls by gRPC status. The same data the metrics export will read.
/// </summary>
internal static class ClusterStatusWriter
{
    public static void Write(Utf8JsonWriter json, UpstreamClusterSet clusters, DateTime nowUtc)
    {
        json.WriteStartObject();
        json.WriteStartArray("clusters");
        foreach (var cluster in clusters.All)
        {
            WriteCluster(json, cluster, nowUtc);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The one word the admin view shows for an endpoint, most decisive first.</summary>
    public static string StateOf(UpstreamEndpoint endpoint, DateTime nowUtc) =>
        endpoint.IsDraining ? "draining"
        : endpoint.IsEjected(nowUtc.Ticks) ? "ejected"
        : endpoint.IsHalfOpen && endpoint.Health == EndpointHealth.Healthy ? "half-open"
        : endpoint.Health switch
        {
            EndpointHealth.Healthy => "healthy",
            EndpointHealth.Unhealthy => "unhealthy",
            _ => "unknown",
        };

    private static void WriteCluster(Utf8JsonWriter json, UpstreamCluster cluster, DateTime nowUtc)
    {
        var settings = cluster.Settings;
        json.WriteStartObject();
        json.WriteString("name", cluster.Name);
        json.WriteString("lbPolicy", settings.Policy.ToName());
        if (settings.Affinity is { } affinity)
        {
            json.WriteString("hashOn", affinity.ToString());
        }

        json.WriteStartArray("addresses");
        foreach (var address in settings.Addresses)
        {
            json.WriteStartObject();
            json.WriteString("address", address.Address.Authority);
            json.WriteString("discovery", address.Discovery switch
            {
                AddressDiscovery.Dns => "dns",
                AddressDiscovery.Srv => "srv",
                _ => "static",
            });
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteBoolean("healthChecks", settings.HealthCheckEnabled);
        json.WriteBoolean("outlierDetection", settings.OutlierDetectionEnabled);
        json.WriteBoolean("panic", cluster.IsInPanic);
        json.WriteNumber("usableEndpoints", cluster.UsableCount);
        json.WriteStartObject("resilience");
        json.WriteNumber("retries", cluster.Budget.Retries);
        json.WriteNumber("retryBudgetExhausted", cluster.Budget.Exhausted);
        json.WriteNumber("retriesInFlight", cluster.Admission.RetriesInFlight);
        json.WriteNumber("retriesRefusedAtMaxRetries", cluster.Admission.RetriesRefused);
        json.WriteNumber("callsRefusedAtMaxRequests", cluster.Admission.Rejected);
        json.WriteEndObject();
        json.WriteStartArray("warnings");
        foreach (var warning in cluster.Warnings)
        {
            json.WriteStringValue(warning);
        }

        json.WriteEndArray();
        json.WriteStartArray("endpoints");
        foreach (var endpoint in cluster.Endpoints)
        {
            WriteEndpoint(json, endpoint, nowUtc);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter json, UpstreamEndpoint endpoint, DateTime nowUtc)
    {
        json.WriteStartObject();
        json.WriteString("address", endpoint.Key.Dial?.ToString() ?? endpoint.Key.Address.Authority);
        json.WriteString("authority", endpoint.Key.Address.Authority);
        json.WriteString("state", StateOf(endpoint, nowUtc));
        json.WriteString("health", endpoint.Health.ToString().ToLowerInvariant());
        if (endpoint.LastHealthError is { } healthError)
        {
            json.WriteString("healthDetail", healthError);
        }

        if (endpoint.IsEjected(nowUtc.Ticks))
        {
            json.WriteString("ejectedUntil", new DateTime(endpoint.EjectedUntilTicks, DateTimeKind.Utc));
            json.WriteString("ejectionReason", endpoint.EjectionReason);
        }

        json.WriteNumber("weight", endpoint.Weight);
        json.WriteNumber("inFlight", endpoint.InFlight);
        json.WriteNumber("consecutiveFailures", endpoint.ConsecutiveFailures);
        json.WriteStartObject("requests");
        long total = 0;
        for (var code = GrpcStatusCode.Ok; code <= GrpcStatusCode.Unauthenticated; code++)
        {
            var calls = endpoint.CallsWith(code);
            total += calls;
            if (calls > 0)
            {
                json.WriteNumber(code.ToCanonicalName(), calls);
            }
        }

        json.WriteEndObject();
        json.WriteNumber("requestsTotal", total);
        json.WriteEndObject();
    }
}
