using System.Net;
using Microsoft.Extensions.Logging;
using Strait.Upstream.Dns;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>Discovery: configured addresses and DNS (A/AAAA or SRV) answers reconciled into the endpoint list; removed endpoints drain.</summary>
internal sealed partial class UpstreamCluster
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

            List<EndpointKey> keys;
            try
            {
                keys = await DiscoverAsync(entry, cancellationToken).ConfigureAwait(false);
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

            bool warn;
            List<UpstreamEndpoint> added;
            lock (gate)
            {
                dnsErrors[i] = null;
                discovered[i] = keys;
                warn = keys.Count == 1 && !singleAddressWarned[i];
                singleAddressWarned[i] |= keys.Count == 1;
                added = ReconcileLocked();
            }

            if (Settings.HealthCheckEnabled && added.Count > 0)
            {
                // New endpoints are "unknown" and take no calls while others are healthy: check them now, not next round.
                await CheckEndpointsAsync(added, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The endpoints a DNS or SRV name stands for now; resolvers answer each address once (the IDnsResolver contract).</summary>
    private async Task<List<EndpointKey>> DiscoverAsync(AddressEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Discovery == AddressDiscovery.Srv)
        {
            var targets = await Settings.Resolver.ResolveServiceAsync(entry.Address.IdnHost, cancellationToken).ConfigureAwait(false);
            var fromSrv = new List<EndpointKey>(targets.Count);
            foreach (var target in targets)
            {
                fromSrv.Add(new EndpointKey(BackendAddress.ForServiceTarget(entry.Address, target.Port), target));
            }

            return fromSrv;
        }

        var addresses = await Settings.Resolver.ResolveAsync(entry.Address.IdnHost, cancellationToken).ConfigureAwait(false);
        var keys = new List<EndpointKey>(addresses.Count);
        foreach (var address in addresses)
        {
            keys.Add(new EndpointKey(entry.Address, new IPEndPoint(address, entry.Address.Port)));
        }

        return keys;
    }

    /// <summary>
    /// Adds endpoints that appeared and drains those that vanished, keeping configuration order (and, within one DNS
    /// name, the order endpoints were first seen), which <c>pick_first</c> relies on. Caller holds <see cref="gate"/>.
    /// </summary>
    /// <returns>The endpoints added.</returns>
    private List<UpstreamEndpoint> ReconcileLocked()
    {
        var existing = new Dictionary<EndpointKey, UpstreamEndpoint>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            existing[endpoint.Key] = endpoint;
        }

        var next = new List<UpstreamEndpoint>(endpoints.Count);
        var added = new List<UpstreamEndpoint>();
        var placed = new HashSet<EndpointKey>();
        for (var i = 0; i < discovered.Length; i++)
        {
            var fromThisEntry = next.Count;
            foreach (var key in discovered[i] ?? [])
            {
                if (!placed.Add(key))
                {
                    continue;
                }

                if (existing.Remove(key, out var kept))
                {
                    next.Add(kept);
                }
                else if (CreateEndpoint(key, Settings.Addresses[i].Weight) is { } created)
                {
                    next.Add(created);
                    added.Add(created);
                }
            }

            next.Sort(fromThisEntry, next.Count - fromThisEntry, FirstSeenOrder.Instance);
        }

        var removed = new List<UpstreamEndpoint>(existing.Values);
        endpoints.Clear();
        endpoints.AddRange(next);
        foreach (var endpoint in removed)
        {
            endpoint.IsDraining = true;
            endpoint.DrainingSinceUtc = time.GetUtcNow().UtcDateTime;
            draining.Add(endpoint);
        }

        if (added.Count > 0 || removed.Count > 0 || view == ClusterView.Empty)
        {
            RebuildLocked();
        }

        // Only once no published view offers them: a call that read the previous view and finds one closed picks again.
        foreach (var endpoint in removed)
        {
            if (endpoint.TryClose(force: false))
            {
                draining.Remove(endpoint);
            }

            LogRemoved(logger, Name, endpoint.Key.ToString(), endpoint.InFlight);
        }

        foreach (var endpoint in added)
        {
            LogAdded(logger, Name, endpoint.Key.ToString());
        }

        return added;
    }

    private UpstreamEndpoint? CreateEndpoint(EndpointKey key, int weight)
    {
        var options = Settings.ClientOptions.Snapshot();
        options.ConnectEndPoint = key.Dial;
        var initialHealth = Settings.HealthCheckEnabled ? EndpointHealth.Unknown : EndpointHealth.Healthy;
        try
        {
            return new UpstreamEndpoint(key, weight, new GrpcClient(key.Address, options), initialHealth);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            // The CA file changed under a running gateway (a rotation half done): the next refresh tries again.
            LogClientFailed(logger, e, Name, key.ToString());
            return null;
        }
    }

    private sealed class FirstSeenOrder : IComparer<UpstreamEndpoint>
    {
        public static readonly FirstSeenOrder Instance = new();

        public int Compare(UpstreamEndpoint? x, UpstreamEndpoint? y) => x!.Sequence.CompareTo(y!.Sequence);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Cluster {Cluster}: cannot create the client of endpoint {Endpoint}; it is left out until the next refresh")]
    private static partial void LogClientFailed(ILogger logger, Exception exception, string cluster, string endpoint);

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
