using System.Net;
using Microsoft.Extensions.Logging;
using Strait.Upstream.Dns;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>Discovery: configured addresses and DNS answers reconciled into the endpoint list; removed endpoints drain.</summary>
public sealed partial class UpstreamCluster
{
    public const string SingleAddressWarning = "1 endpoint: per-call balancing has nothing to spread across";

    // Per configured address: the endpoints it stands for now (null: a DNS name not resolved yet).
    private readonly List<EndpointKey>?[] discovered;
    private readonly bool[] singleAddressWarned;
    private readonly string?[] dnsErrors;

    /// <summary>Conditions an operator should know about, e.g. a DNS name that resolves to one address only.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            lock (gate)
            {
                for (var i = 0; i < discovered.Length; i++)
                {
                    var entry = Settings.Addresses[i];
                    if (entry.IsDnsName && discovered[i] is { Count: 1 })
                    {
                        warnings.Add($"{entry.Address.Authority} resolves to {SingleAddressWarning}");
                    }

                    if (dnsErrors[i] is { } error)
                    {
                        warnings.Add(error);
                    }
                }
            }

            return warnings;
        }
    }

    private async Task ResolveAllAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < Settings.Addresses.Count; i++)
        {
            var entry = Settings.Addresses[i];
            if (!entry.IsDnsName)
            {
                continue;
            }

            IReadOnlyList<IPAddress> addresses;
            try
            {
                addresses = await Settings.Resolver.ResolveAsync(entry.Address.IdnHost, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DnsResolutionException or ArgumentException or System.Net.Sockets.SocketException)
            {
                // The last good answer stays: a resolver outage must not empty a working cluster.
                lock (gate)
                {
                    dnsErrors[i] = $"resolving {entry.Address.Host} failed: {e.Message}";
                }

                LogResolveFailed(logger, Name, entry.Address.Host, e.Message);
                continue;
            }

            var keys = new List<EndpointKey>(addresses.Count);
            foreach (var address in addresses)
            {
                var key = new EndpointKey(entry.Address, new IPEndPoint(address, entry.Address.Port));
                if (!keys.Contains(key))
                {
                    keys.Add(key);
                }
            }

            bool warn;
            lock (gate)
            {
                dnsErrors[i] = null;
                discovered[i] = keys;
                warn = keys.Count == 1 && !singleAddressWarned[i];
                singleAddressWarned[i] |= keys.Count == 1;
                ReconcileLocked();
            }

            if (warn)
            {
                LogSingleAddress(logger, Name, entry.Address.Authority, keys[0].Dial!.ToString());
            }

            if (keys.Count == 0)
            {
                LogNoAddresses(logger, Name, entry.Address.Host);
            }
        }
    }

    /// <summary>Adds endpoints that appeared and drains those that vanished. Caller holds <see cref="gate"/>.</summary>
    private void ReconcileLocked()
    {
        var wanted = new Dictionary<EndpointKey, int>();
        for (var i = 0; i < discovered.Length; i++)
        {
            foreach (var key in discovered[i] ?? [])
            {
                wanted.TryAdd(key, Settings.Addresses[i].Weight);
            }
        }

        var changed = false;
        for (var i = endpoints.Count - 1; i >= 0; i--)
        {
            var endpoint = endpoints[i];
            if (wanted.Remove(endpoint.Key))
            {
                continue;
            }

            endpoints.RemoveAt(i);
            endpoint.IsDraining = true;
            endpoint.DrainingSinceUtc = time.GetUtcNow().UtcDateTime;
            changed = true;
            if (!endpoint.TryClose(force: false))
            {
                draining.Add(endpoint);
            }

            LogRemoved(logger, Name, endpoint.Key.ToString(), endpoint.InFlight);
        }

        foreach (var (key, weight) in wanted)
        {
            var options = Settings.ClientOptions.Snapshot();
            options.ConnectEndPoint = key.Dial;
            var initialHealth = Settings.HealthCheckEnabled ? EndpointHealth.Unknown : EndpointHealth.Healthy;
            endpoints.Add(new UpstreamEndpoint(key, weight, new GrpcClient(key.Address, options), initialHealth));
            changed = true;
            LogAdded(logger, Name, key.ToString());
        }

        if (changed || view == ClusterView.Empty)
        {
            RebuildLocked();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Cluster}: endpoint {Endpoint} added")]
    private static partial void LogAdded(ILogger logger, string cluster, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Cluster}: endpoint {Endpoint} removed from discovery; draining {InFlight} calls in flight")]
    private static partial void LogRemoved(ILogger logger, string cluster, string endpoint, int inFlight);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: {Name} resolves to 1 endpoint ({Address}): per-call balancing has nothing to spread across. A Kubernetes ClusterIP service does this; use a headless service (clusterIP: None) so that every pod is an endpoint.")]
    private static partial void LogSingleAddress(ILogger logger, string cluster, string name, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: {Name} resolves to no address")]
    private static partial void LogNoAddresses(ILogger logger, string cluster, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: resolving {Name} failed, keeping the last known endpoints: {Error}")]
    private static partial void LogResolveFailed(ILogger logger, string cluster, string name, string error);
}
