using System.Net;

namespace Strait.Upstream.Dns;

/// <summary>
/// Turns a host name into the addresses of every replica behind it (a Kubernetes headless service answers with one
/// A/AAAA record per ready pod).
/// </summary>
/// <remarks>
/// The empty list and the exception mean different things to endpoint discovery: an empty list is the authoritative
/// "this name has no addresses now" (NXDOMAIN or no data), so the endpoints go away; a
/// <see cref="DnsResolutionException"/> means the answer is unknown (timeout, SERVFAIL, REFUSED, malformed reply,
/// unreachable server), so the caller keeps the endpoints it last knew.
/// </remarks>
internal interface IDnsResolver
{
    /// <summary>
    /// All A and AAAA addresses of <paramref name="host"/>, deduplicated, IPv4 first, each family in answer order.
    /// An IP literal (<c>10.0.0.1</c>, <c>::1</c>, <c>[::1]</c>) is returned as is without a query.
    /// </summary>
    /// <exception cref="DnsResolutionException">The name server(s) could not give an authoritative answer.</exception>
    /// <exception cref="ArgumentException"><paramref name="host"/> is not a valid host name.</exception>
    Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);
}
