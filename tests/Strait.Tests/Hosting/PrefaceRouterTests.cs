using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Strait.Hosting;

namespace Strait.Tests.Hosting;

/// <summary>How a cleartext connection's first bytes choose HTTP/2 or HTTP/1.1, over in-memory pipes.</summary>
public sealed class PrefaceRouterTests
{
    private const string Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    [Theory]
    [InlineData("", HttpProtocols.None)]
    [InlineData("P", HttpProtocols.None)]
    [InlineData("PRI * HTTP/2.0\r\n", HttpProtocols.None)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r", HttpProtocols.None)]
    [InlineData(Preface, HttpProtocols.Http2)]
    [InlineData(Preface + "\0\0\0\u0004\0\0\0\0\0", HttpProtocols.Http2)]
    [InlineData("G", HttpProtocols.Http1)]
    [InlineData("POST", HttpProtocols.Http1)]
    [InlineData("PRI * HTTP/1.1\r\n", HttpProtocols.Http1)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", HttpProtocols.Http1)]
    [InlineData("pri * http/2.0\r\n\r\nsm\r\n\r\n", HttpProtocols.Http1)]
    public void The_first_bytes_decide_as_soon_as_they_can(string received, HttpProtocols expected)
    {
        Assert.Equal(expected, PrefaceRouter.Classify(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(received))));
    }

    [Fact]
    public void A_preface_split_over_buffer_segments_is_recognised()
    {
        var bytes = Encoding.Latin1.GetBytes(Preface);
        var first = new Segment(bytes.AsMemory(0, 5));
        var last = first.Append(bytes.AsMemory(5, 13)).Append(bytes.AsMemory(18));

        Assert.Equal(HttpProtocols.Http2, PrefaceRouter.Classify(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length)));
    }

    [Fact]
    public async Task A_preface_arriving_byte_by_byte_selects_http2_and_stays_unread()
    {
        var (connection, client) = Connection();
        var detection = PrefaceRouter.DetectAsync(connection, Limits()).AsTask();
        foreach (var b in Encoding.Latin1.GetBytes(Preface + "\0\0\0\u0004"))
        {
            await client.WriteAsync(new[] { b });
            await Task.Delay(5);
        }

        Assert.Equal(HttpProtocols.Http2, await detection.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(Preface + "\0\0\0\u0004", await ReadAvailableAsync(connection));
    }

    [Fact]
    public async Task A_short_request_is_decided_on_its_first_byte_without_waiting_for_more()
    {
        var (connection, client) = Connection();
        await client.WriteAsync("GET / HTTP/1.1\r\n"u8.ToArray());

        Assert.Equal(HttpProtocols.Http1, await PrefaceRouter.DetectAsync(connection, Limits()).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("GET / HTTP/1.1\r\n", await ReadAvailableAsync(connection));
    }

    [Fact]
    public async Task A_connection_that_ends_inside_the_preface_is_left_to_http11()
    {
        var (connection, client) = Connection();
        await client.WriteAsync("PRI"u8.ToArray());
        await client.CompleteAsync();

        Assert.Equal(HttpProtocols.Http1, await PrefaceRouter.DetectAsync(connection, Limits()).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_client_that_stalls_inside_the_preface_is_dropped_after_the_request_headers_timeout()
    {
        var (connection, client) = Connection();
        var clock = Stopwatch.StartNew();
        await client.WriteAsync("PRI * HTTP"u8.ToArray());

        var protocol = await PrefaceRouter.DetectAsync(connection, Limits(keepAlive: TimeSpan.FromSeconds(30), requestHeaders: TimeSpan.FromMilliseconds(300)))
            .AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpProtocols.None, protocol);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_connection_that_sends_nothing_is_dropped_after_the_keep_alive_timeout()
    {
        var (connection, _) = Connection();
        var clock = Stopwatch.StartNew();

        var protocol = await PrefaceRouter.DetectAsync(connection, Limits(keepAlive: TimeSpan.FromMilliseconds(300), requestHeaders: TimeSpan.FromMilliseconds(50)))
            .AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpProtocols.None, protocol);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_stopping_server_drops_a_connection_that_has_not_chosen()
    {
        var (connection, client) = Connection();
        var lifetime = new Lifetime();
        connection.Features.Set<IConnectionLifetimeNotificationFeature>(lifetime);
        await client.WriteAsync("PRI * "u8.ToArray());
        var detection = PrefaceRouter.DetectAsync(connection, Limits()).AsTask();
        await Task.Delay(50);
        Assert.False(detection.IsCompleted);

        lifetime.RequestClose();

        Assert.Equal(HttpProtocols.None, await detection.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static KestrelServerLimits Limits(TimeSpan? keepAlive = null, TimeSpan? requestHeaders = null) => new()
    {
        KeepAliveTimeout = keepAlive ?? TimeSpan.FromSeconds(30),
        RequestHeadersTimeout = requestHeaders ?? TimeSpan.FromSeconds(30),
    };

    /// <summary>A server-side connection and the writer of its client's bytes.</summary>
    private static (ConnectionContext Connection, PipeWriter Client) Connection()
    {
        var fromClient = new Pipe();
        var toClient = new Pipe();
        var connection = new DefaultConnectionContext("test", new Duplex(fromClient.Reader, toClient.Writer), new Duplex(toClient.Reader, fromClient.Writer));
        return (connection, fromClient.Writer);
    }

    /// <summary>What the chosen protocol's first read gets: it must not wait, since detection left these bytes unread.</summary>
    private static async Task<string> ReadAvailableAsync(ConnectionContext connection)
    {
        var read = connection.Transport.Input.ReadAsync();
        Assert.True(read.IsCompleted, "the bytes detection looked at were not left for the next read");
        var result = await read;
        var text = Encoding.Latin1.GetString(result.Buffer);
        connection.Transport.Input.AdvanceTo(result.Buffer.End);
        return text;
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    private sealed class Lifetime : IConnectionLifetimeNotificationFeature
    {
        private readonly CancellationTokenSource closing = new();

        public CancellationToken ConnectionClosedRequested { get => closing.Token; set => throw new NotSupportedException(); }

        public void RequestClose() => closing.Cancel();
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
