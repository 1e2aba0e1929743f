using System.Text.Json;
using Strait.Gateway;

namespace Strait.Hosting;

/// <summary>The admin view of the schema: what is served, where it came from, and what the refreshes did.</summary>
internal static class SchemaStatusWriter
{
    public static void Write(Utf8JsonWriter json, SchemaStatus status, GatewaySnapshot snapshot, SchemaRefreshOutcome? outcome)
    {
        json.WriteStartObject();
        if (outcome is { } done)
        {
            json.WriteString("outcome", done.ToString().ToLowerInvariant());
        }

        json.WriteString("fingerprint", snapshot.Fingerprint);
        json.WriteNumber("services", snapshot.Schema.Services.Count);
        json.WriteNumber("routes", snapshot.RouteTable.Routes.Count);
        WriteTime(json, "lastChange", status.LastChangeUtc);
        // Which refresh made the change (0: startup), to tell how many refreshes a deploy took to show.
        json.WriteNumber("lastChangeRefresh", status.LastChangeRefresh);
        WriteTime(json, "lastRefresh", status.LastRefreshUtc);
        json.WriteNumber("refreshes", status.Refreshes);
        json.WriteNumber("swaps", status.Swaps);
        json.WriteNumber("rejections", status.Rejections);
        json.WriteNumber("disagreements", status.Disagreements);
        if (status.LastError is { } error)
        {
            json.WriteString("lastError", error);
            WriteTime(json, "lastErrorAt", status.LastErrorUtc);
        }

        json.WriteStartArray("unreachableClusters");
        foreach (var cluster in status.UnreachableClusters)
        {
            json.WriteStringValue(cluster);
        }

        json.WriteEndArray();
        json.WriteStartArray("reflection");
        foreach (var cluster in status.Clusters)
        {
            json.WriteStartObject();
            json.WriteString("cluster", cluster.Cluster);
            json.WriteString("fingerprint", cluster.Schema?.Fingerprint);
            json.WriteString("protocol", cluster.Schema?.Protocol);
            json.WriteStartArray("services");
            foreach (var service in cluster.Schema?.Services ?? [])
            {
                json.WriteStringValue(service);
            }

            json.WriteEndArray();
            json.WriteStartArray("endpoints");
            foreach (var endpoint in cluster.Endpoints)
            {
                json.WriteStartObject();
                json.WriteString("address", endpoint.Endpoint);
                json.WriteString("fingerprint", endpoint.Fingerprint);
                if (endpoint.Error is not null)
                {
                    json.WriteString("error", endpoint.Error);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTime? value)
    {
        if (value is { } time)
        {
            json.WriteString(name, time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
