using System.Net;

namespace Strait.Upstream.Dns;

/// <summary>One SRV record as discovery reads it: the target's priority, port and host name.</summary>
internal readonly record struct ServiceRecord(ushort Priority, ushort Port, string Target);

/// <summary>Turns SRV records into endpoints, as <see cref="IDnsResolver.ResolveServiceAsync"/> describes.</summary>
internal static class ServiceTargets
{
    // Enough to resolve a few hundred pods in a few round trips without a socket per pod at once.
    private const int ConcurrentLookups = 16;

    public static async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(IReadOnlyList<ServiceRecord> records, IDnsResolver resolver, CancellationToken cancellationToken)
    {
        var priorities = new SortedSet<ushort>();
        foreach (var record in records)
        {
            // RFC 2782: the target "." says the service is decidedly not available at this name.
            if (record.Target is not ("" or "."))
            {
                priorities.Add(record.Priority);
            }
        }

        foreach (var priority in priorities)
        {
            var tier = new List<ServiceRecord>();
            foreach (var record in records)
            {
                if (record.Priority == priority && record.Target is not ("" or "."))
                {
                    tier.Add(record);
                }
            }

            // Every target or none: one that failed would present the others as the whole service.
            var addresses = new IReadOnlyList<IPAddress>[tier.Count];
            var options = new ParallelOptions { MaxDegreeOfParallelism = ConcurrentLookups, CancellationToken = cancellationToken };
            await Parallel.ForAsync(0, tier.Count, options, async (i, token) =>
                addresses[i] = await resolver.ResolveAsync(tier[i].Target, token).ConfigureAwait(false)).ConfigureAwait(false);

            var seen = new HashSet<IPEndPoint>();
            var endPoints = new List<IPEndPoint>();
            for (var i = 0; i < tier.Count; i++)
            {
                foreach (var address in addresses[i])
                {
                    var endPoint = new IPEndPoint(address, tier[i].Port);
                    if (seen.Add(endPoint))
                    {
                        endPoints.Add(endPoint);
                    }
                }
            }

            if (endPoints.Count > 0)
            {
                return endPoints;
            }
        }

        return [];
    }
}
