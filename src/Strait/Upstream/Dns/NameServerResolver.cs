using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Strait.Upstream.Dns;

/// <summary>
/// Asks explicit name servers itself over UDP, retrying over TCP when a reply is truncated: A and AAAA queries with RD
/// and an EDNS0 OPT record, CNAME chains followed, each server tried in turn until one gives an authoritative answer.
/// </summary>
/// <remarks>
/// The name is sent exactly as given: there is no search-domain expansion (that is <c>/etc/resolv.conf</c> policy, which
/// <see cref="SystemDnsResolver"/> applies), so it must be fully qualified, e.g. <c>tasks.default.svc.cluster.local</c>,
/// with or without the trailing dot.
/// </remarks>
internal sealed class NameServerResolver : IDnsResolver
{
    /// <summary>CNAMEs followed per address family across the answer and any follow-up queries; more is taken as a loop.</summary>
    public const int MaxCnameHops = 8;

    // A UDP datagram cannot be longer, whatever payload size the server thinks it may send.
    private const int MaxUdpMessage = 65535;

    private readonly IPEndPoint[] servers;
    private readonly string serverList;

    /// <param name="servers">Asked in order, the next one only when the previous failed.</param>
    /// <param name="attemptTimeout">For each UDP exchange and each TCP exchange with one server; 2 s when omitted.</param>
    public NameServerResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan? attemptTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count == 0)
        {
            throw new ArgumentException("at least one name server is needed", nameof(servers));
        }

        this.servers = new IPEndPoint[servers.Count];
        for (var i = 0; i < servers.Count; i++)
        {
            this.servers[i] = servers[i] ?? throw new ArgumentException($"name server {i} is null", nameof(servers));
        }

        AttemptTimeout = attemptTimeout ?? DefaultAttemptTimeout;
        if (AttemptTimeout <= TimeSpan.Zero || AttemptTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(attemptTimeout), attemptTimeout, "must be positive and finite");
        }

        serverList = string.Join(", ", (IEnumerable<IPEndPoint>)this.servers);
    }

    public static TimeSpan DefaultAttemptTimeout { get; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<IPEndPoint> Servers => servers;

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

        var ipv4 = ResolveFamilyAsync(host, name, DnsRecordType.A, cancellationToken);
        var ipv6 = ResolveFamilyAsync(host, name, DnsRecordType.Aaaa, cancellationToken);

        // Both families or nothing: one family presented as the whole set would drop the other family's replicas.
        await Task.WhenAll(ipv4, ipv6).ConfigureAwait(false);
        var seen = new HashSet<IPAddress>();
        var addresses = new List<IPAddress>();
        foreach (var address in ipv4.Result)
        {
            if (seen.Add(address))
            {
                addresses.Add(address);
            }
        }

        foreach (var address in ipv6.Result)
        {
            if (seen.Add(address))
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }

    private static ushort NewId() => (ushort)RandomNumberGenerator.GetInt32(0, 1 << 16);

    private static Outcome Succeeded(DnsResponse response) => new(response, null);

    private static Outcome Failed(string reason) => new(null, reason);

    private static bool IsAuthoritative(DnsResponse response) =>
        response.ResponseCode is DnsResponseCode.NoError or DnsResponseCode.NameError;

    private async Task<List<IPAddress>> ResolveFamilyAsync(string host, string name, ushort type, CancellationToken cancellationToken)
    {
        var current = name;
        var hops = 0;
        while (true)
        {
            var response = await QueryAsync(host, current, type, cancellationToken).ConfigureAwait(false);

            // With CNAMEs in the answer the RCODE speaks of the chain's last name (RFC 6604), so the chain has no addresses.
            if (response.ResponseCode == DnsResponseCode.NameError)
            {
                return [];
            }

            if (!DnsMessage.TryFollowChain(response.Answers, current, type, MaxCnameHops - hops, out var end))
            {
                throw new DnsResolutionException(host, serverList, $"more than {MaxCnameHops} CNAMEs from {name} (a loop?)");
            }

            hops += end.Hops;
            if (end.Addresses.Count > 0 || end.Hops == 0)
            {
                return end.Addresses;
            }

            // A server answering only for its own zone gives the CNAME but not the target's records; ask for the target.
            if (!DnsHostName.TryNormalize(end.FinalName, out var target, out var error))
            {
                throw new DnsResolutionException(host, serverList, $"CNAME target '{end.FinalName}' cannot be queried: {error}");
            }

            current = target;
        }
    }

    /// <summary>An authoritative reply (NOERROR or NXDOMAIN) from the first server able to give one.</summary>
    private async Task<DnsResponse> QueryAsync(string host, string name, ushort type, CancellationToken cancellationToken)
    {
        var failures = new List<string>(servers.Length);
        foreach (var server in servers)
        {
            var outcome = await ExchangeAsync(server, name, type, cancellationToken).ConfigureAwait(false);
            if (outcome.Response is { } response)
            {
                return response;
            }

            failures.Add($"{server} {DnsRecordType.Name(type)} {name}: {outcome.Failure}");
        }

        throw new DnsResolutionException(host, serverList, string.Join("; ", failures));
    }

    private async Task<Outcome> ExchangeAsync(IPEndPoint server, string name, ushort type, CancellationToken cancellationToken)
    {
        var edns = true;
        var outcome = await UdpExchangeAsync(server, name, type, edns, cancellationToken).ConfigureAwait(false);

        // RFC 6891 §7: a server that predates EDNS answers FORMERR to the OPT record; ask once more without it.
        if (outcome.Response is { ResponseCode: DnsResponseCode.FormatError })
        {
            edns = false;
            outcome = await UdpExchangeAsync(server, name, type, edns, cancellationToken).ConfigureAwait(false);
        }

        if (outcome.Response is { IsTruncated: true })
        {
            outcome = await TcpExchangeAsync(server, name, type, edns, cancellationToken).ConfigureAwait(false);
        }

        return outcome.Response is { } response && !IsAuthoritative(response)
            ? Failed($"answered {DnsResponseCode.Name(response.ResponseCode)}")
            : outcome;
    }

    private async Task<Outcome> UdpExchangeAsync(IPEndPoint server, string name, ushort type, bool edns, CancellationToken cancellationToken)
    {
        var id = NewId();
        var query = DnsMessage.EncodeQuery(id, name, type, edns);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxUdpMessage);
        var ignored = 0;
        try
        {
            // Inside the try: creating the socket fails too when the host has no IPv6 and the server is IPv6.
            using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            // Connected, so the kernel drops datagrams from other sources and reports ICMP port unreachable as
            // ConnectionRefused instead of leaving us to wait out the timeout.
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(0, MaxUdpMessage), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (InspectUdpReply(buffer.AsSpan(0, received), id, name, type) is { } outcome)
                {
                    return outcome;
                }

                ignored++;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var note = ignored > 0 ? $" (ignored {ignored} datagram(s) with another id or question)" : string.Empty;
            return Failed(string.Create(CultureInfo.InvariantCulture, $"no UDP reply within {AttemptTimeout.TotalSeconds:0.###} s{note}"));
        }
        catch (SocketException e)
        {
            return Failed($"UDP {e.SocketErrorCode}: {e.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary><see langword="null"/> for a datagram that is not the reply to this query (stale or spoofed): keep waiting.</summary>
    private static Outcome? InspectUdpReply(ReadOnlySpan<byte> datagram, ushort id, string name, ushort type)
    {
        if (!DnsMessage.TryReadId(datagram, out var replyId) || replyId != id)
        {
            return null;
        }

        DnsResponse response;
        try
        {
            response = DnsMessage.Parse(datagram);
        }
        catch (DnsFormatException e)
        {
            return Failed("malformed reply: " + e.Message);
        }

        if (response.IsReplyTo(id, name, type))
        {
            return Succeeded(response);
        }

        // Some servers leave the question out of error replies; such a reply can only move us to the next server,
        // which a spoofer could equally achieve by dropping the real reply.
        return !response.HasQuestion && !IsAuthoritative(response) ? Succeeded(response) : null;
    }

    private async Task<Outcome> TcpExchangeAsync(IPEndPoint server, string name, ushort type, bool edns, CancellationToken cancellationToken)
    {
        var id = NewId();
        var query = DnsMessage.EncodeQuery(id, name, type, edns);
        var framed = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(framed, timeout.Token).ConfigureAwait(false);
                var prefix = new byte[2];
                await stream.ReadExactlyAsync(prefix, timeout.Token).ConfigureAwait(false);
                var reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await stream.ReadExactlyAsync(reply, timeout.Token).ConfigureAwait(false);
                return InspectTcpReply(reply, id, name, type);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(string.Create(CultureInfo.InvariantCulture, $"UDP reply truncated and no TCP reply within {AttemptTimeout.TotalSeconds:0.###} s"));
        }
        catch (EndOfStreamException)
        {
            return Failed("UDP reply truncated and the TCP connection closed before the whole reply arrived");
        }
        catch (SocketException e)
        {
            return Failed($"UDP reply truncated and TCP {e.SocketErrorCode}: {e.Message}");
        }
        catch (IOException e)
        {
            return Failed($"UDP reply truncated and TCP failed: {e.Message}");
        }
    }

    // Unlike UDP nobody else can inject into the connection, so anything but the reply is the server's fault.
    private static Outcome InspectTcpReply(ReadOnlySpan<byte> reply, ushort id, string name, ushort type)
    {
        DnsResponse response;
        try
        {
            response = DnsMessage.Parse(reply);
        }
        catch (DnsFormatException e)
        {
            return Failed("malformed TCP reply: " + e.Message);
        }

        if (response.Id != id)
        {
            return Failed($"TCP reply has id {response.Id}, not {id}");
        }

        if (!response.IsReplyTo(id, name, type) && (response.HasQuestion || IsAuthoritative(response)))
        {
            return Failed($"TCP reply is for {response.QuestionName} type {DnsRecordType.Name(response.QuestionType)}");
        }

        // Cut short even over TCP: taking it would present some replicas as all of them.
        return response.IsTruncated ? Failed("TCP reply is truncated too") : Succeeded(response);
    }

    private readonly record struct Outcome(DnsResponse? Response, string? Failure);
}
