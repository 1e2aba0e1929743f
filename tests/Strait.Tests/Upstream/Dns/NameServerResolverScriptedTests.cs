using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Strait.Upstream.Dns;

namespace Strait.Tests.Upstream.Dns;

/// <summary>
/// The resolver against hand-built replies from a scripted loopback server: the failures dnsmasq does not produce
/// (wrong ids, other questions, SERVFAIL, malformed replies, CNAME loops, servers without EDNS, silence).
/// </summary>
public sealed class NameServerResolverScriptedTests
{
    private const string Service = "tasks.default.svc.cluster.local";
    private const ushort NoError = 0x8180;
    private const ushort NxDomain = 0x8183;
    private const ushort ServFail = 0x8182;
    private const ushort Refused = 0x8185;
    private const ushort FormErr = 0x8181;
    private const ushort Truncated = 0x8380;
    private const ushort TypeA = 1;
    private const ushort TypeCname = 5;
    private const ushort TypeAaaa = 28;

    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task A_reply_with_the_wrong_id_fails_that_server_and_the_next_one_is_asked()
    {
        await using var spoofed = new ScriptedServer(q => [Reply(q with { Id = (ushort)(q.Id ^ 1) }, NoError, ARecord("10.6.6.6"))]);
        await using var answering = new ScriptedServer(q => q.Type == TypeA ? [Reply(q, NoError, ARecord("10.0.0.1"))] : [Reply(q, NoError)]);
        var resolver = new NameServerResolver([spoofed.EndPoint, answering.EndPoint]);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], await resolver.ResolveAsync(Service, Ct));
    }

    [Fact]
    public async Task Only_wrong_ids_is_a_failure_that_says_so()
    {
        await using var server = new ScriptedServer(q => [Reply(q with { Id = (ushort)(q.Id + 1) }, NoError, ARecord("10.6.6.6"))]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server, 0.3).ResolveAsync(Service, Ct));

        Assert.Contains("(stale or spoofed)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_to_another_question_is_not_taken_as_the_answer()
    {
        await using var other = new ScriptedServer(q => [Reply(q with { Name = "evil.example" }, NoError, ARecord("10.6.6.6"))]);
        await using var answering = new ScriptedServer(q => q.Type == TypeA ? [Reply(q, NoError, ARecord("10.0.0.1"))] : [Reply(q, NoError)]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(other).ResolveAsync(Service, Ct));
        Assert.Contains("reply is for evil.example. A", error.Message, StringComparison.Ordinal);
        Assert.Equal([IPAddress.Parse("10.0.0.1")], await new NameServerResolver([other.EndPoint, answering.EndPoint]).ResolveAsync(Service, Ct));
    }

    [Fact]
    public async Task Nxdomain_is_an_empty_list()
    {
        await using var server = new ScriptedServer(q => [Reply(q, NxDomain)]);

        Assert.Empty(await Resolver(server).ResolveAsync(Service, Ct));
    }

    [Fact]
    public async Task Servfail_is_an_exception_naming_host_server_and_rcode()
    {
        await using var server = new ScriptedServer(q => [Reply(q, ServFail)]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server).ResolveAsync(Service, Ct));

        Assert.Equal(Service, error.Host);
        Assert.Contains($"'{Service}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{server.EndPoint} A {Service}: answered SERVFAIL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_and_a_question_less_servfail_move_on_to_the_next_server()
    {
        await using var refusing = new ScriptedServer(q => [Reply(q, Refused)]);
        await using var bare = new ScriptedServer(q => [Wire.Header(q.Id, ServFail, 0, 0, 0, 0)]);
        await using var answering = new ScriptedServer(q => q.Type == TypeA ? [Reply(q, NoError, ARecord("10.0.0.1"))] : [Reply(q, NoError)]);
        var resolver = new NameServerResolver([refusing.EndPoint, bare.EndPoint, answering.EndPoint]);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], await resolver.ResolveAsync(Service, Ct));
        Assert.Equal(2, bare.Queries.Count);
    }

    [Fact]
    public async Task A_malformed_reply_is_a_resolution_exception()
    {
        // Cut short over UDP DnsClient takes for truncation and asks over TCP, where the reply is cut short too.
        await using var server = new ScriptedServer(q => [Reply(q, NoError, ARecord("10.0.0.1"))[..^2]]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server).ResolveAsync(Service, Ct));

        Assert.Contains("malformed reply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tcp_connection_the_server_closed_after_its_answer_is_not_a_failure()
    {
        // DnsClient keeps a TCP connection for reuse for 5 s; this server closes each one after one answer, as RFC 7766
        // allows, so the second lookup finds its pooled connection closed.
        await using var server = new ScriptedServer((q, tcp) => q.Type != TypeA ? [Reply(q, NoError)] : tcp ? [Reply(q, NoError, ARecord("10.0.0.1"))] : [Reply(q, Truncated)]);
        var resolver = Resolver(server);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], await resolver.ResolveAsync(Service, Ct));
        Assert.Equal([IPAddress.Parse("10.0.0.1")], await resolver.ResolveAsync(Service, Ct));
        Assert.Equal(2, server.TcpQueries);
    }

    [Fact]
    public async Task A_cname_to_a_name_absent_from_the_answer_is_resolved_by_a_second_query()
    {
        await using var server = new ScriptedServer(q => (q.Name, q.Type) switch
        {
            (Service, _) => [Reply(q, NoError, CnameRecord("pods.example"))],
            ("pods.example", TypeA) => [Reply(q, NoError, ARecord("10.0.0.1"), ARecord("10.0.0.2"))],
            ("pods.example", _) => [Reply(q, NoError, AaaaRecord("fd00::1"))],
            _ => [Reply(q, NxDomain)],
        });

        var addresses = await Resolver(server).ResolveAsync(Service, Ct);

        Assert.Equal(["10.0.0.1", "10.0.0.2", "fd00::1"], addresses.Select(a => a.ToString()));
    }

    [Fact]
    public async Task A_cname_loop_across_queries_stops_at_eight_hops()
    {
        await using var server = new ScriptedServer(q => [Reply(q, NoError, CnameRecord(q.Name == "a.example" ? "b.example" : "a.example"))]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server).ResolveAsync("a.example", Ct));

        Assert.Contains("more than 8 CNAMEs", error.Message, StringComparison.Ordinal);
        Assert.InRange(server.Queries.Count, 2, 2 * 9);
    }

    [Fact]
    public async Task A_cname_loop_within_one_answer_stops_at_eight_hops()
    {
        await using var server = new ScriptedServer(q => [Reply(q, NoError, CnameRecord("b.example"), Wire.Record(Wire.Name("b.example"), TypeCname, Wire.Name(q.Name)))]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server).ResolveAsync("a.example", Ct));

        Assert.Contains("more than 8 CNAMEs", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Queries.Count);
    }

    [Fact]
    public async Task A_server_without_edns_is_asked_again_without_the_opt_record()
    {
        await using var server = new ScriptedServer(q => q.HasOpt ? [Reply(q, FormErr)] : [Reply(q, NoError, ARecord("10.0.0.1"))]);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], await Resolver(server).ResolveAsync("a.example", Ct));
        Assert.Contains(server.Queries, q => q.HasOpt);
    }

    [Fact]
    public async Task A_silent_server_times_out_after_the_attempt_timeout()
    {
        await using var server = new ScriptedServer(_ => []);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server, 0.3).ResolveAsync(Service, Ct));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.29), TimeSpan.FromSeconds(2));
        Assert.Contains("no reply within 0.3 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_a_resolution_failure()
    {
        await using var server = new ScriptedServer(_ => []);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Resolver(server, 10).ResolveAsync(Service, cancel.Token));
    }

    private static NameServerResolver Resolver(ScriptedServer server, double timeoutSeconds = 2) =>
        new([server.EndPoint], TimeSpan.FromSeconds(timeoutSeconds));

    private static byte[] ARecord(string address) => Wire.Record(Wire.Pointer(12), TypeA, IPAddress.Parse(address).GetAddressBytes());

    private static byte[] AaaaRecord(string address) => Wire.Record(Wire.Pointer(12), TypeAaaa, IPAddress.Parse(address).GetAddressBytes());

    private static byte[] CnameRecord(string target) => Wire.Record(Wire.Pointer(12), TypeCname, Wire.Name(target));

    /// <summary>A reply to <paramref name="query"/> whose answers name the question by a pointer to offset 12.</summary>
    private static byte[] Reply(ScriptedQuery query, ushort flags, params byte[][] answers) =>
        Wire.Concat([Wire.Header(query.Id, flags, 1, answers.Length, 0, 0), Wire.Question(Wire.Name(query.Name), query.Type), .. answers]);

    /// <summary>Hand-assembled wire format, independent of the library under test.</summary>
    private static class Wire
    {
        public static byte[] Header(ushort id, ushort flags, int questions, int answers, int authorities, int additionals)
        {
            var header = new byte[12];
            BinaryPrimitives.WriteUInt16BigEndian(header, id);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), flags);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)questions);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)answers);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), (ushort)authorities);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), (ushort)additionals);
            return header;
        }

        public static byte[] Name(string name)
        {
            var bytes = new List<byte>();
            foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                bytes.Add((byte)label.Length);
                bytes.AddRange(Encoding.ASCII.GetBytes(label));
            }

            bytes.Add(0);
            return [.. bytes];
        }

        public static byte[] Pointer(int offset) => [(byte)(0xC0 | (offset >> 8)), (byte)offset];

        public static byte[] Question(byte[] name, ushort type) => Concat(name, [(byte)(type >> 8), (byte)type, 0, 1]);

        public static byte[] Record(byte[] owner, ushort type, byte[] data) =>
            Concat(owner, [(byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 30, (byte)(data.Length >> 8), (byte)data.Length], data);

        public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
    }

    internal readonly record struct ScriptedQuery(ushort Id, string Name, ushort Type, bool HasOpt);

    /// <summary>
    /// A name server on loopback that answers each query with whatever messages the script returns: over UDP as
    /// datagrams, over TCP (same port) length-prefixed on the connection, which it then closes.
    /// </summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private Socket udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Socket tcp = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource stop = new();
        private readonly Func<ScriptedQuery, bool, byte[][]> script;
        private int tcpQueries;
        private readonly Task udpLoop;
        private readonly Task tcpLoop;

        public ScriptedServer(Func<ScriptedQuery, byte[][]> script)
            : this((query, _) => script(query))
        {
        }

        /// <param name="script">Also told whether the query came over TCP.</param>
        public ScriptedServer(Func<ScriptedQuery, bool, byte[][]> script)
        {
            this.script = script;
            for (var attempt = 0; ; attempt++)
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                EndPoint = (IPEndPoint)udp.LocalEndPoint!;
                try
                {
                    tcp.Bind(EndPoint);
                    break;
                }
                catch (SocketException) when (attempt < 10)
                {
                    // Free for UDP but taken for TCP: another port.
                    udp.Dispose();
                    udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                }
            }

            tcp.Listen();
            udpLoop = ServeUdpAsync();
            tcpLoop = ServeTcpAsync();
        }

        public IPEndPoint EndPoint { get; private set; } = null!;

        public ConcurrentQueue<ScriptedQuery> Queries { get; } = new();

        public int TcpQueries => Volatile.Read(ref tcpQueries);

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            udp.Dispose();
            tcp.Dispose();
            foreach (var loop in (Task[])[udpLoop, tcpLoop])
            {
                try
                {
                    await loop;
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                }
            }

            stop.Dispose();
        }

        private static ScriptedQuery ReadQuery(ReadOnlySpan<byte> message)
        {
            var name = new StringBuilder();
            var position = 12;
            while (message[position] != 0)
            {
                name.Append(name.Length > 0 ? "." : string.Empty).Append(Encoding.ASCII.GetString(message.Slice(position + 1, message[position])));
                position += 1 + message[position];
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 1)..]);
            var hasOpt = BinaryPrimitives.ReadUInt16BigEndian(message[10..]) == 1 && message.Length > position + 5;
            return new ScriptedQuery(BinaryPrimitives.ReadUInt16BigEndian(message), name.ToString(), type, hasOpt);
        }

        private byte[][] Answer(ReadOnlySpan<byte> message, bool tcp)
        {
            var query = ReadQuery(message);
            Queries.Enqueue(query);
            if (tcp)
            {
                Interlocked.Increment(ref tcpQueries);
            }

            return script(query, tcp);
        }

        private async Task ServeUdpAsync()
        {
            var buffer = new byte[65535];
            while (!stop.IsCancellationRequested)
            {
                var received = await udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop.Token);
                foreach (var reply in Answer(buffer.AsSpan(0, received.ReceivedBytes), tcp: false))
                {
                    await udp.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, stop.Token);
                }
            }
        }

        private async Task ServeTcpAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                using var connection = await tcp.AcceptAsync(stop.Token);
                await using var stream = new NetworkStream(connection, ownsSocket: false);
                var prefix = new byte[2];
                await stream.ReadExactlyAsync(prefix, stop.Token);
                var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await stream.ReadExactlyAsync(query, stop.Token);
                foreach (var reply in Answer(query, tcp: true))
                {
                    await stream.WriteAsync(Wire.Concat([(byte)(reply.Length >> 8), (byte)reply.Length], reply), stop.Token);
                }
            }
        }
    }
}
