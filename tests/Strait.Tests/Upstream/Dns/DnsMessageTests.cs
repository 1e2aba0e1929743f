using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Strait.Upstream.Dns;

namespace Strait.Tests.Upstream.Dns;

public sealed class DnsMessageTests
{
    private const string Service = "tasks.default.svc.cluster.local";
    private const ushort NoError = 0x8180;
    private const ushort NxDomain = 0x8183;
    private const ushort ServFail = 0x8182;
    private const ushort Refused = 0x8185;
    private const ushort FormErr = 0x8181;
    private const ushort Truncated = 0x8380;

    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public void A_query_is_rfc1035_with_rd_and_an_edns0_opt_record_for_4096_bytes()
    {
        var query = DnsMessage.EncodeQuery(0xBEEF, "svc.cluster.local", DnsRecordType.Aaaa, edns: true);

        byte[] expected =
        [
            0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
            3, (byte)'s', (byte)'v', (byte)'c', 7, .. "cluster"u8, 5, .. "local"u8, 0,
            0, 28, 0, 1,
            0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, query);
    }

    [Fact]
    public void Without_edns_there_is_no_additional_record()
    {
        var query = DnsMessage.EncodeQuery(1, "a.b", DnsRecordType.A, edns: false);

        Assert.Equal(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 1, (byte)'b', 0, 0, 1, 0, 1 }, query);
    }

    [Fact]
    public void Compression_pointers_are_followed_in_owner_names_and_cname_targets()
    {
        // Question name at 12; "default.svc.cluster.local" starts at 12 + 1 + "tasks".Length = 18.
        var cnameData = Wire.Concat([5, .. "alias"u8], Wire.Pointer(18));
        var header = Wire.Header(7, NoError, 1, 3, 0, 0);
        var question = Wire.Question(Wire.Name(Service), DnsRecordType.A);
        var cname = Wire.Record(Wire.Pointer(12), DnsRecordType.Cname, cnameData);
        var cnameDataOffset = header.Length + question.Length + cname.Length - cnameData.Length;
        var reply = Wire.Concat(
            header,
            question,
            cname,
            Wire.Record(Wire.Pointer(cnameDataOffset), DnsRecordType.A, [10, 0, 0, 1]),
            Wire.Record(Wire.Pointer(cnameDataOffset), DnsRecordType.A, [10, 0, 0, 2]));

        var response = DnsMessage.Parse(reply);

        Assert.Equal(Service, response.QuestionName);
        Assert.Equal(3, response.Answers.Count);
        Assert.Equal(Service, response.Answers[0].Name);
        Assert.Equal("alias.default.svc.cluster.local", response.Answers[0].Target);
        Assert.Equal("alias.default.svc.cluster.local", response.Answers[1].Name);
        Assert.Equal(IPAddress.Parse("10.0.0.2"), response.Answers[2].Address);
        Assert.True(DnsMessage.TryFollowChain(response.Answers, Service, DnsRecordType.A, 8, out var end));
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")], end.Addresses);
        Assert.Equal(1, end.Hops);
    }

    [Fact]
    public void A_pointer_to_itself_is_rejected()
    {
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 0, 0, 0), Wire.Pointer(12), [0, 1, 0, 1]);

        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
        Assert.Contains("does not point before", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forward_pointer_is_rejected()
    {
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 0, 0, 0), Wire.Pointer(20), [0, 1, 0, 1], Wire.Name("a"));

        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
    }

    [Fact]
    public void A_loop_of_backward_pointers_is_rejected()
    {
        // 12: "a" then a pointer back to 12. Every pointer points backwards from where it sits, yet following them
        // would spin forever; the rule is "before the labels being read", which 12 is not.
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 0, 0, 0), [1, (byte)'a'], Wire.Pointer(12), [0, 1, 0, 1]);

        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
        Assert.Contains("does not point before", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_longer_than_255_bytes_is_rejected()
    {
        var label = new string('x', 63);
        var name = Wire.Name(string.Join('.', label, label, label, label, label));
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 0, 0, 0), name, [0, 1, 0, 1]);

        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
        Assert.Contains("longer than 255", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extended_label_types_are_rejected()
    {
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 0, 0, 0), [0x41, 0], [0, 1, 0, 1]);

        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
    }

    [Fact]
    public void Every_truncation_of_a_reply_is_a_format_error()
    {
        var reply = SampleReply();

        for (var length = 0; length < reply.Length; length++)
        {
            Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply.AsSpan(0, length)));
        }

        Assert.Equal(3, DnsMessage.Parse(reply).Answers.Count);
    }

    [Fact]
    public void Corrupted_replies_only_ever_fail_with_a_format_error()
    {
        var original = SampleReply();
        var random = new Random(1035);
        for (var i = 0; i < 5_000; i++)
        {
            var reply = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                reply[random.Next(reply.Length)] = (byte)random.Next(256);
            }

            try
            {
                DnsMessage.Parse(reply);
            }
            catch (DnsFormatException)
            {
            }
        }
    }

    [Fact]
    public void An_address_record_of_the_wrong_length_is_rejected()
    {
        var reply = Wire.Concat(
            Wire.Header(1, NoError, 1, 1, 0, 0),
            Wire.Question(Wire.Name(Service), DnsRecordType.A),
            Wire.Record(Wire.Pointer(12), DnsRecordType.A, [10, 0, 0]));

        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
        Assert.Contains("3 data bytes, not 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_data_that_overruns_the_message_is_rejected()
    {
        var record = Wire.Record(Wire.Pointer(12), DnsRecordType.A, [10, 0, 0, 1]);
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(record.Length - 6), 40);
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 1, 0, 0), Wire.Question(Wire.Name(Service), DnsRecordType.A), record);

        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
        Assert.Contains("runs past the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cname_target_may_not_spill_out_of_its_record_data()
    {
        // The target's labels continue past the declared data length into the next bytes.
        var record = Wire.Record(Wire.Pointer(12), DnsRecordType.Cname, [1, (byte)'a']);
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 1, 0, 0), Wire.Question(Wire.Name(Service), DnsRecordType.A), record, [0]);

        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(reply));
    }

    [Fact]
    public void A_query_is_not_a_reply()
    {
        var query = DnsMessage.EncodeQuery(9, Service, DnsRecordType.A, edns: true);

        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(query));
        Assert.Contains("QR bit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_reply_reports_tc_and_reads_no_further_than_the_question()
    {
        // Counts promise 30 answers the datagram does not hold, as servers do when they cut a reply short.
        var reply = Wire.Concat(Wire.Header(5, Truncated, 1, 30, 0, 0), Wire.Question(Wire.Name(Service), DnsRecordType.A), [0xC0]);

        var response = DnsMessage.Parse(reply);

        Assert.True(response.IsTruncated);
        Assert.Empty(response.Answers);
        Assert.True(response.IsReplyTo(5, Service, DnsRecordType.A));
    }

    [Fact]
    public void The_opt_record_extends_the_rcode()
    {
        var opt = Wire.Concat([0], [0, 41, 0x10, 0], [1, 0, 0, 0], [0, 0]);
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 0, 0, 1), Wire.Question(Wire.Name(Service), DnsRecordType.A), opt);

        Assert.Equal(16, DnsMessage.Parse(reply).ResponseCode);
    }

    [Fact]
    public void A_reply_matches_its_query_by_id_type_and_case_insensitive_name()
    {
        var response = DnsMessage.Parse(Wire.Concat(Wire.Header(42, NoError, 1, 0, 0, 0), Wire.Question(Wire.Name("Tasks.Default.SVC.cluster.local"), DnsRecordType.A)));

        Assert.True(response.IsReplyTo(42, Service, DnsRecordType.A));
        Assert.False(response.IsReplyTo(43, Service, DnsRecordType.A));
        Assert.False(response.IsReplyTo(42, Service, DnsRecordType.Aaaa));
        Assert.False(response.IsReplyTo(42, "other.default.svc.cluster.local", DnsRecordType.A));
    }

    [Fact]
    public void A_label_holding_a_dot_does_not_pass_for_two_labels()
    {
        var reply = Wire.Concat(Wire.Header(1, NoError, 1, 0, 0, 0), [3, (byte)'a', (byte)'.', (byte)'b', 0], [0, 1, 0, 1]);

        var response = DnsMessage.Parse(reply);

        Assert.Equal(@"a\.b", response.QuestionName);
        Assert.False(response.IsReplyTo(1, "a.b", DnsRecordType.A));
    }

    [Fact]
    public void A_cname_chain_is_followed_to_the_name_holding_the_addresses()
    {
        DnsRecord[] answers =
        [
            Cname(Service, "b.cluster.local"),
            A("unrelated.cluster.local", "10.9.9.9"),
            Cname("B.cluster.local", "c.cluster.local"),
            A("c.cluster.local", "10.0.0.1"),
            A("C.CLUSTER.LOCAL", "10.0.0.2"),
        ];

        Assert.True(DnsMessage.TryFollowChain(answers, Service, DnsRecordType.A, 8, out var end));

        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")], end.Addresses);
        Assert.Equal("c.cluster.local", end.FinalName);
        Assert.Equal(2, end.Hops);
    }

    [Fact]
    public void A_cname_chain_leaving_the_answer_ends_at_the_name_to_ask_for_next()
    {
        DnsRecord[] answers = [Cname(Service, "b.cluster.local"), Cname("b.cluster.local", "elsewhere.example")];

        Assert.True(DnsMessage.TryFollowChain(answers, Service, DnsRecordType.A, 8, out var end));

        Assert.Empty(end.Addresses);
        Assert.Equal("elsewhere.example", end.FinalName);
        Assert.Equal(2, end.Hops);
    }

    [Fact]
    public void A_cname_loop_is_reported_once_the_hop_limit_is_reached()
    {
        DnsRecord[] answers = [Cname(Service, "b.cluster.local"), Cname("b.cluster.local", Service)];

        Assert.False(DnsMessage.TryFollowChain(answers, Service, DnsRecordType.A, 8, out var end));
        Assert.Equal(8, end.Hops);
    }

    [Theory]
    [InlineData("tasks.default.svc.cluster.local.", "tasks.default.svc.cluster.local")]
    [InlineData("_grpc._tcp.svc", "_grpc._tcp.svc")]
    [InlineData("localhost", "localhost")]
    public void Host_names_are_sent_without_the_trailing_dot(string host, string expected)
    {
        Assert.True(DnsHostName.TryNormalize(host, out var name, out var error), error);
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData("a b")]
    [InlineData(@"a\.b")]
    [InlineData("h\u00e9.example")]
    public void Names_that_cannot_be_sent_as_is_are_refused(string host)
    {
        Assert.False(DnsHostName.TryNormalize(host, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void A_label_longer_than_63_characters_is_refused()
    {
        Assert.False(DnsHostName.TryNormalize(new string('x', 64) + ".example", out _, out var error));
        Assert.Contains("label of 64 characters", error, StringComparison.Ordinal);
        Assert.True(DnsHostName.TryNormalize(new string('x', 63) + ".example", out _, out _));
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("fd00::1", "fd00::1")]
    [InlineData("[fd00::1]", "fd00::1")]
    [InlineData("10.1", null)]
    [InlineData("1234", null)]
    [InlineData("tasks", null)]
    public void Only_canonical_ip_literals_skip_the_query(string host, string? expected)
    {
        Assert.Equal(expected is not null, DnsHostName.TryParseAddressLiteral(host, out var address));
        Assert.Equal(expected, address?.ToString());
    }

    // The resolver against hand-built replies from a scripted loopback server.
    [Fact]
    public async Task A_reply_with_the_wrong_id_is_ignored_and_the_real_one_taken()
    {
        await using var server = new ScriptedServer(q => q.Type == DnsRecordType.A
            ? [Reply(q with { Id = (ushort)(q.Id ^ 1) }, NoError, ARecord("10.6.6.6")), Reply(q, NoError, ARecord("10.0.0.1"))]
            : [Reply(q, NoError)]);

        var addresses = await Resolver(server).ResolveAsync(Service, Ct);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], addresses);
    }

    [Fact]
    public async Task A_reply_to_another_question_is_ignored()
    {
        await using var server = new ScriptedServer(q => q.Type == DnsRecordType.A
            ? [Reply(q with { Name = "evil.example" }, NoError, ARecord("10.6.6.6")), Reply(q, NoError, ARecord("10.0.0.1"))]
            : [Reply(q, NoError)]);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], await Resolver(server).ResolveAsync(Service, Ct));
    }

    [Fact]
    public async Task Only_wrong_ids_is_a_timeout_that_says_so()
    {
        await using var server = new ScriptedServer(q => [Reply(q with { Id = (ushort)(q.Id + 1) }, NoError, ARecord("10.6.6.6"))]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server, 0.3).ResolveAsync(Service, Ct));

        Assert.Contains("no UDP reply within 0.3 s (ignored 1 datagram(s) with another id or question)", error.Message, StringComparison.Ordinal);
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
        await using var answering = new ScriptedServer(q => q.Type == DnsRecordType.A ? [Reply(q, NoError, ARecord("10.0.0.1"))] : [Reply(q, NoError)]);
        var resolver = new NameServerResolver([refusing.EndPoint, bare.EndPoint, answering.EndPoint]);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], await resolver.ResolveAsync(Service, Ct));
        Assert.Equal(2, bare.Queries.Count);
    }

    [Fact]
    public async Task A_malformed_reply_is_a_resolution_exception()
    {
        await using var server = new ScriptedServer(q => [Reply(q, NoError, ARecord("10.0.0.1"))[..^2]]);

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server).ResolveAsync(Service, Ct));

        Assert.Contains("malformed reply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cname_to_a_name_absent_from_the_answer_is_resolved_by_a_second_query()
    {
        await using var server = new ScriptedServer(q => (q.Name, q.Type) switch
        {
            (Service, _) => [Reply(q, NoError, CnameRecord("pods.example"))],
            ("pods.example", DnsRecordType.A) => [Reply(q, NoError, ARecord("10.0.0.1"), ARecord("10.0.0.2"))],
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
    public async Task A_server_without_edns_is_asked_again_without_the_opt_record()
    {
        await using var server = new ScriptedServer(q => q.HasOpt ? [Reply(q, FormErr)] : [Reply(q, NoError, ARecord("10.0.0.1"))]);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], await Resolver(server).ResolveAsync("a.example", Ct));
    }

    [Fact]
    public async Task A_silent_server_times_out_after_the_attempt_timeout()
    {
        await using var server = new ScriptedServer(_ => []);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<DnsResolutionException>(() => Resolver(server, 0.3).ResolveAsync(Service, Ct));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.29), TimeSpan.FromSeconds(2));
        Assert.Contains("no UDP reply within 0.3 s", error.Message, StringComparison.Ordinal);
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

    private static DnsRecord A(string name, string address) => new(name, DnsRecordType.A, 0, IPAddress.Parse(address), null);

    private static DnsRecord Cname(string name, string target) => new(name, DnsRecordType.Cname, 0, null, target);

    private static byte[] ARecord(string address) => Wire.Record(Wire.Pointer(12), DnsRecordType.A, IPAddress.Parse(address).GetAddressBytes());

    private static byte[] AaaaRecord(string address) => Wire.Record(Wire.Pointer(12), DnsRecordType.Aaaa, IPAddress.Parse(address).GetAddressBytes());

    private static byte[] CnameRecord(string target) => Wire.Record(Wire.Pointer(12), DnsRecordType.Cname, Wire.Name(target));

    /// <summary>A reply to <paramref name="query"/> whose answers name the question by a pointer to offset 12.</summary>
    private static byte[] Reply(ScriptedQuery query, ushort flags, params byte[][] answers) =>
        Wire.Concat([Wire.Header(query.Id, flags, 1, answers.Length, 0, 0), Wire.Question(Wire.Name(query.Name), query.Type), .. answers]);

    private static byte[] SampleReply() => Wire.Concat(
        Wire.Header(3, NoError, 1, 3, 0, 1),
        Wire.Question(Wire.Name(Service), DnsRecordType.A),
        Wire.Record(Wire.Pointer(12), DnsRecordType.Cname, Wire.Concat([1, (byte)'b'], Wire.Pointer(18))),
        Wire.Record(Wire.Pointer(12 + 33 + 4 + 12), DnsRecordType.A, [10, 0, 0, 1]),
        Wire.Record(Wire.Pointer(12 + 33 + 4 + 12), DnsRecordType.A, [10, 0, 0, 2]),
        [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);

    /// <summary>Hand-assembled wire format, deliberately independent of <see cref="DnsMessage"/>.</summary>
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

    /// <summary>A UDP name server on loopback that answers each query with whatever datagrams the script returns.</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource stop = new();
        private readonly Func<ScriptedQuery, byte[][]> script;
        private readonly Task loop;

        public ScriptedServer(Func<ScriptedQuery, byte[][]> script)
        {
            this.script = script;
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)socket.LocalEndPoint!;
            loop = ServeAsync();
        }

        public IPEndPoint EndPoint { get; }

        public ConcurrentQueue<ScriptedQuery> Queries { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            socket.Dispose();
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }

            stop.Dispose();
        }

        private static ScriptedQuery ReadQuery(byte[] datagram, int length)
        {
            var name = new StringBuilder();
            var position = 12;
            while (datagram[position] != 0)
            {
                name.Append(name.Length > 0 ? "." : string.Empty).Append(Encoding.ASCII.GetString(datagram, position + 1, datagram[position]));
                position += 1 + datagram[position];
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(position + 1));
            var hasOpt = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(10)) == 1 && length > position + 5;
            return new ScriptedQuery(BinaryPrimitives.ReadUInt16BigEndian(datagram), name.ToString(), type, hasOpt);
        }

        private async Task ServeAsync()
        {
            var buffer = new byte[65535];
            while (!stop.IsCancellationRequested)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop.Token);
                var query = ReadQuery(buffer, received.ReceivedBytes);
                Queries.Enqueue(query);
                foreach (var reply in script(query))
                {
                    await socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, stop.Token);
                }
            }
        }
    }
}
