using System.Diagnostics;
using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Strait.Upstream.Dns;

/// <summary>
/// Asks explicit name servers through DnsClient's <see cref="LookupClient"/>: A, AAAA and SRV queries with RD and EDNS0
/// over UDP, again over TCP when a reply is truncated, CNAME chains followed, each server tried in turn until one gives
/// an authoritative answer.
/// </summary>
/// <remarks>
/// The name is sent exactly as given: there is no search-domain expansion (that is <c>/etc/resolv.conf</c> policy, which
/// <see cref="SystemDnsResolver"/> applies), so it must be fully qualified, e.g. <c>tasks.default.svc.cluster.local</c>,
/// with or without the trailing dot. Nothing is cached and TTLs are not read: every discovery refresh asks again, so
/// <c>dns.refreshInterval</c> alone decides how old an answer can be.
/// </remarks>
internal sealed class NameServerResolver : IDnsResolver
{
    /// <summary>CNAMEs followed per query type across the answer and any follow-up queries; more is taken as a loop.</summary>
    public const int MaxCnameHops = 8;

    private readonly NameServer[][] servers;
    private readonly string serverList;
    private readonly LookupClient client;

    // RFC 6891 §7: a server that predates EDNS answers FORMERR to the OPT record; it is asked once more without one.
    private readonly DnsQueryOptions withoutEdns;

    /// <param name="servers">Asked in order, the next one only when the previous failed.</param>
    /// <param name="attemptTimeout">For the UDP exchange, and the TCP one after a truncated reply, with one server; 2 s when omitted.</param>
    public NameServerResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan? attemptTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count == 0)
        {
            throw new ArgumentException("at least one name server is needed", nameof(servers));
        }

        this.servers = new NameServer[servers.Count][];
        var endPoints = new IPEndPoint[servers.Count];
        for (var i = 0; i < servers.Count; i++)
        {
            endPoints[i] = servers[i] ?? throw new ArgumentException($"name server {i} is null", nameof(servers));

            // DnsClient refuses the "any" address as a server; say so here rather than on every query.
            if (endPoints[i].Address.Equals(IPAddress.Any) || endPoints[i].Address.Equals(IPAddress.IPv6Any))
            {
                throw new ArgumentException($"name server {endPoints[i]} is the unspecified address", nameof(servers));
            }

            this.servers[i] = [new NameServer(endPoints[i])];
        }

        AttemptTimeout = attemptTimeout ?? DefaultAttemptTimeout;
        if (AttemptTimeout <= TimeSpan.Zero || AttemptTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(attemptTimeout), attemptTimeout, "must be positive and finite");
        }

        Servers = endPoints;
        serverList = string.Join(", ", (IEnumerable<IPEndPoint>)endPoints);
        client = new LookupClient(Configured(new LookupClientOptions(endPoints), AttemptTimeout));

        // At 512 bytes DnsClient sends no OPT record.
        withoutEdns = Configured(new DnsQueryOptions { ExtendedDnsBufferSize = DnsQueryOptions.MinimumBufferSize }, AttemptTimeout);
    }

    public static TimeSpan DefaultAttemptTimeout { get; } = TimeSpan.FromSeconds(2);

    private static T Configured<T>(T options, TimeSpan attemptTimeout)
        where T : DnsQueryOptions
    {
        // Every refresh must see the fleet as it is now; the refresh interval is the only cache.
        options.UseCache = false;
        options.Timeout = attemptTimeout;

        // One attempt per server, as dns.timeout documents; the next server is the retry.
        options.Retries = 0;
        options.UseRandomNameServer = false;
        options.UseTcpFallback = true;

        // RCODEs are judged here: NXDOMAIN and NOERROR without data are answers, not a reason to ask elsewhere.
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.ContinueOnEmptyResponse = false;
        return options;
    }

    public IReadOnlyList<IPEndPoint> Servers { get; }

    public TimeSpan AttemptTimeout { get; }

    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (DnsHostName.TryParseAddressLiteral(host, out var literal))
        {
            return [literal];
        }

        if (!DnsHostName.TryNormalize(host, out var name, out var error))
        {
            throw new ArgumentException(error, nameof(host));
        }

        var ipv4 = FollowAsync<AddressRecord>(host, name, QueryType.A, cancellationToken);
        var ipv6 = FollowAsync<AddressRecord>(host, name, QueryType.AAAA, cancellationToken);

        // Both families or nothing: one family presented as the whole set would drop the other family's replicas.
        await Task.WhenAll(ipv4, ipv6).ConfigureAwait(false);
        var seen = new HashSet<IPAddress>();
        var addresses = new List<IPAddress>();
        foreach (var record in (IEnumerable<AddressRecord>)[.. ipv4.Result, .. ipv6.Result])
        {
            if (seen.Add(record.Address))
            {
                addresses.Add(record.Address);
            }
        }

        return addresses;
    }

    public async Task<IReadOnlyList<IPEndPoint>> ResolveServiceAsync(string name, CancellationToken cancellationToken)
    {
        var records = await QueryServiceRecordsAsync(name, cancellationToken).ConfigureAwait(false);
        return await ServiceTargets.ResolveAsync(records, this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The SRV records of <paramref name="name"/>, CNAMEs followed; their targets are left to the caller.</summary>
    internal async Task<List<ServiceRecord>> QueryServiceRecordsAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!DnsHostName.TryNormalize(name, out var normalized, out var error))
        {
            throw new ArgumentException(error, nameof(name));
        }

        var records = await FollowAsync<SrvRecord>(name, normalized, QueryType.SRV, cancellationToken).ConfigureAwait(false);
        var service = new List<ServiceRecord>(records.Count);
        foreach (var record in records)
        {
            service.Add(new ServiceRecord(record.Priority, record.Port, record.Target.Value));
        }

        return service;
    }

    private static bool IsAuthoritative(DnsHeaderResponseCode code) =>
        code is DnsHeaderResponseCode.NoError or DnsHeaderResponseCode.NotExistentDomain;

    /// <summary>A name as DnsClient reports it (with the root's trailing dot), compared to one normalized by <see cref="DnsHostName"/>.</summary>
    private static bool SameName(string reported, string name) =>
        reported.Length == name.Length + 1 && reported[^1] == '.' && string.Compare(reported, 0, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0;

    private static string ResponseCodeName(DnsHeaderResponseCode code) => code switch
    {
        DnsHeaderResponseCode.FormatError => "FORMERR",
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.NotImplemented => "NOTIMP",
        DnsHeaderResponseCode.Refused => "REFUSED",
        _ => "RCODE" + ((int)code).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The records of <paramref name="type"/> at the end of the CNAME chain from <paramref name="name"/>.</summary>
    private async Task<List<TRecord>> FollowAsync<TRecord>(string host, string name, QueryType type, CancellationToken cancellationToken)
        where TRecord : DnsResourceRecord
    {
        var current = name;
        var hops = 0;
        while (true)
        {
            var response = await QueryAsync(host, current, type, cancellationToken).ConfigureAwait(false);

            // With CNAMEs in the answer the RCODE speaks of the chain's last name (RFC 6604), so the chain has no records.
            if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            {
                return [];
            }

            var found = new List<TRecord>();
            var followed = 0;
            while (true)
            {
                string? target = null;
                foreach (var record in response.Answers)
                {
                    if (!SameName(record.DomainName.Value, current))
                    {
                        continue;
                    }

                    if (record is TRecord match && record.RecordType == (ResourceRecordType)type)
                    {
                        found.Add(match);
                    }
                    else if (record is CNameRecord cname)
                    {
                        target ??= cname.CanonicalName.Value;
                    }
                }

                // A name that owns a CNAME has no other data (RFC 1034 §3.6.2), so records win if a server sends both.
                if (found.Count > 0 || target is null)
                {
                    break;
                }

                if (hops + followed == MaxCnameHops)
                {
                    throw new DnsResolutionException(host, serverList, $"more than {MaxCnameHops} CNAMEs from {name} (a loop?)");
                }

                followed++;
                if (!DnsHostName.TryNormalize(target, out var next, out var error))
                {
                    throw new DnsResolutionException(host, serverList, $"CNAME target '{target}' cannot be queried: {error}");
                }

                current = next;
            }

            hops += followed;
            if (found.Count > 0 || followed == 0)
            {
                return found;
            }

            // A server answering only for its own zone gives the CNAME but not the target's records; ask for the target.
        }
    }

    /// <summary>An authoritative reply (NOERROR or NXDOMAIN) from the first server able to give one.</summary>
    private async Task<IDnsQueryResponse> QueryAsync(string host, string name, QueryType type, CancellationToken cancellationToken)
    {
        var question = new DnsQuestion(name, type);
        var failures = new List<string>(servers.Length);
        for (var i = 0; i < servers.Length; i++)
        {
            var (response, failure) = await ExchangeAsync(servers[i], question, name, cancellationToken).ConfigureAwait(false);
            if (response is not null)
            {
                return response;
            }

            failures.Add($"{Servers[i]} {type} {name}: {failure}");
        }

        throw new DnsResolutionException(host, serverList, string.Join("; ", failures));
    }

    private async Task<(IDnsQueryResponse? Response, string? Failure)> ExchangeAsync(NameServer[] server, DnsQuestion question, string name, CancellationToken cancellationToken)
    {
        var (response, failure) = await TryQueryAsync(server, question, null, cancellationToken).ConfigureAwait(false);
        if (response is { Header.ResponseCode: DnsHeaderResponseCode.FormatError })
        {
            (response, failure) = await TryQueryAsync(server, question, withoutEdns, cancellationToken).ConfigureAwait(false);
        }

        if (response is null)
        {
            return (null, failure);
        }

        var code = response.Header.ResponseCode;
        if (!IsAuthoritative(code))
        {
            return (null, $"answered {ResponseCodeName(code)}");
        }

        // DnsClient matches the reply's id but not its question; a reply about another name or type is not an answer.
        if (response.Questions is not [{ } asked] || asked.QuestionType != question.QuestionType || !SameName(asked.QueryName.Original, name))
        {
            return (null, response.Questions.Count == 0 ? "reply has no question" : $"reply is for {response.Questions[0].QueryName.Original} {response.Questions[0].QuestionType}");
        }

        return (response, null);
    }

    private async Task<(IDnsQueryResponse? Response, string? Failure)> TryQueryAsync(NameServer[] server, DnsQuestion question, DnsQueryOptions? options, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var response = options is null
                    ? await client.QueryServerAsync(server, question, cancellationToken).ConfigureAwait(false)
                    : await client.QueryServerAsync(server, question, options, cancellationToken).ConfigureAwait(false);
                return (response, null);
            }
            catch (Exception e) when (e is DnsResponseException or DnsResponseParseException or DnsXidMismatchException)
            {
                // DnsClient reports the caller's cancellation as a timeout too.
                cancellationToken.ThrowIfCancellationRequested();
                var elapsed = Stopwatch.GetElapsedTime(started);

                // DnsClient reuses a TCP connection for up to 5 s without noticing that the server has closed it (RFC
                // 7766 lets it close after one answer) and fails the query at once: a quick failure is asked once
                // more, on a new connection. A timeout is not, so dns.timeout still bounds an attempt.
                if (attempt == 1 && elapsed < AttemptTimeout / 2)
                {
                    continue;
                }

                return (null, Describe(e, elapsed));
            }
        }
    }

    private string Describe(Exception e, TimeSpan elapsed) => e switch
    {
        DnsResponseParseException parse => "malformed reply: " + parse.Message,
        DnsXidMismatchException mismatch => $"reply has id {mismatch.ResponseXid}, not {mismatch.RequestXid} (stale or spoofed)",
        DnsResponseException { Code: DnsResponseCode.ConnectionTimeout, InnerException: TimeoutException or OperationCanceledException } =>
            elapsed < AttemptTimeout / 2 ? "the connection closed before the reply" : string.Create(CultureInfo.InvariantCulture, $"no reply within {AttemptTimeout.TotalSeconds:0.###} s"),
        DnsResponseException { InnerException: { } inner } => inner.Message,
        _ => e.Message,
    };
}
