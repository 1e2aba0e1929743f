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

    /// <summary>
    /// The endpoints the SRV records of <paramref name="name"/> (<c>_grpc._tcp.tasks.default.svc.cluster.local</c>)
    /// stand for: each target resolved through <see cref="ResolveAsync"/>, every address with its record's port. Only
    /// the lowest priority whose targets have an address counts (RFC 2782: higher priorities are standbys); weights
    /// are not read. Deduplicated, in answer order. No records, or only the target <c>.</c> ("not available"): empty.
    /// </summary>
    /// <exception cref="DnsResolutionException">No authoritative answer for the SRV name or one of its targets.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> or a target is not a valid host name.</exception>
    Task<IReadOnlyList<IPEndPoint>> ResolveServiceAsync(string name, CancellationToken cancellationToken);
}
