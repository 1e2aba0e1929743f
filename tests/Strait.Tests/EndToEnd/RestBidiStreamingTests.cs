using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// A bidirectional method over plain REST: the request body is a stream of messages (NDJSON or JSON values one after
/// another), the replies stream back as NDJSON or Server-Sent Events as they come, full duplex: over HTTP/2 with
/// HttpClient, over HTTP/1.1 with a client that reads while it sends. Against the grpc-js BidiStream, which answers
/// each request as it arrives (<c>failCode</c> makes it fail there).
/// </summary>
public sealed class RestBidiStreamingTests : IClassFixture<StreamBodyGateway>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly StreamBodyGateway fixture;

    public RestBidiStreamingTests(StreamBodyGateway fixture)
    {
        this.fixture = fixture;
    }

    [Theory]
    [InlineData("application/x-ndjson", "\n", false)]
    [InlineData("application/x-ndjson", "\n", true)]
    [InlineData("application/json", "", false)]
    [InlineData("application/json", "", true)]
    public async Task Over_http2_each_reply_arrives_before_the_next_message_is_sent(string contentType, string separator, bool events)
    {
        using var client = StreamBodyGateway.Client(fixture.Gateway, "2.0");
        using var body = new DuplexBody(contentType);
        using var request = StreamBodyGateway.Post(client, "/v1/stream:chat", body);
        if (events)
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        // A JSON value needs no separator: it leaves as soon as its closing brace arrives.
        body.Send("{\"text\":\"one\"}" + separator);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(events ? "text/event-stream" : "application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var replies = new ReplyReader(await response.Content.ReadAsStreamAsync(), events);

        var first = await replies.NextAsync();
        Assert.Equal(("message", "one", 0), (first.Kind, first.Text, first.Index));

        body.Send("{\"text\":\"two\"}" + separator);
        var second = await replies.NextAsync();
        Assert.Equal(("message", "two", 1), (second.Kind, second.Text, second.Index));

        body.Complete();
        Assert.Null(await replies.NextOrEndAsync());
    }

    [Theory]
    [InlineData("application/x-ndjson", false)]
    [InlineData("application/json", true)]
    public async Task Over_http1_a_client_that_reads_while_it_sends_gets_each_reply_before_sending_the_next(string contentType, bool events)
    {
        await using var exchange = await ChunkedExchange.StartAsync(fixture.Gateway.Address, "/v1/stream:chat", contentType, events ? "text/event-stream" : null);

        await exchange.SendAsync("{\"text\":\"one\"}\n");
        var afterOne = await exchange.ReadUntilAsync(text => Replies(text, events).Count == 1);
        Assert.Equal(200, exchange.Status);
        Assert.Contains(exchange.Headers, h => h.Equals(events ? "Content-Type: text/event-stream" : "Content-Type: application/x-ndjson", StringComparison.OrdinalIgnoreCase));
        Assert.False(exchange.Ended);
        Assert.Equal("one", Replies(afterOne, events)[0].Text);

        await exchange.SendAsync("{\"text\":\"two\"}\n");
        var afterTwo = await exchange.ReadUntilAsync(text => Replies(text, events).Count == 2);
        Assert.Equal(("two", 1), (Replies(afterTwo, events)[1].Text, Replies(afterTwo, events)[1].Index));
        Assert.False(exchange.Ended);

        await exchange.EndBodyAsync();
        var all = await exchange.ReadToEndAsync();
        Assert.True(exchange.Ended);
        Assert.All(Replies(all, events), r => Assert.Equal("message", r.Kind));
        Assert.Equal(2, Replies(all, events).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_backend_error_mid_stream_ends_it_with_an_error_line_or_event(bool events)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/stream:chat")
        {
            Content = new StringContent("{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"c\",\"failCode\":14}\n{\"text\":\"d\"}\n", Encoding.UTF8, "application/x-ndjson"),
        };
        if (events)
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        using var response = await fixture.Gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replies = Replies(await response.Content.ReadAsStringAsync(), events);
        Assert.Equal(["message", "message", "error"], replies.Select(r => r.Kind));
        Assert.Equal(["a", "b"], replies.Take(2).Select(r => r.Text));
        var error = replies[^1].Json;
        Assert.Equal(503, error.GetProperty("status").GetInt32());
        Assert.Equal("UNAVAILABLE", error.GetProperty("grpcStatus").GetString());
        Assert.Equal("failed after 2 replies", error.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_invalid_message_mid_stream_ends_it_with_an_invalid_argument_error_and_cancels_the_backend(bool events)
    {
        var name = $"invalid-{events}";
        using var client = StreamBodyGateway.Client(fixture.Gateway, "2.0");
        using var body = new DuplexBody("application/x-ndjson");
        using var request = StreamBodyGateway.Post(client, "/v1/stream:chat", body);
        if (events)
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        body.Send($"{{\"text\":\"{name}\"}}\n");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        var replies = new ReplyReader(await response.Content.ReadAsStreamAsync(), events);
        Assert.Equal(name, (await replies.NextAsync()).Text);
        var cancelled = fixture.Backend.WaitForLineAsync(l => l == "CANCELLED BidiStream " + name);

        body.Send("{\"nope\":1}\n");
        var error = await replies.NextAsync();

        Assert.Equal("error", error.Kind);
        Assert.Equal(400, error.Json.GetProperty("status").GetInt32());
        Assert.Equal("INVALID_ARGUMENT", error.Json.GetProperty("grpcStatus").GetString());
        Assert.StartsWith("Line 2 of the request body is invalid", error.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(await replies.NextOrEndAsync());
        // The backend must not act on a stream whose request broke: it sees a cancellation, not a half-close.
        await cancelled.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_body_whose_framing_breaks_mid_stream_ends_it_with_an_unreadable_body_error()
    {
        await using var exchange = await ChunkedExchange.StartAsync(fixture.Gateway.Address, "/v1/stream:chat", "application/x-ndjson", accept: null);
        await exchange.SendAsync("{\"text\":\"framed\"}\n");
        await exchange.ReadUntilAsync(text => Replies(text, events: false).Count == 1);
        var cancelled = fixture.Backend.WaitForLineAsync(l => l == "CANCELLED BidiStream framed");

        await exchange.SendRawAsync("zz\r\n{}\r\n");
        var replies = Replies(await exchange.ReadToEndAsync(), events: false);

        Assert.Equal(["message", "error"], replies.Select(r => r.Kind));
        Assert.Equal("urn:strait:problem:unreadable-body", replies[1].Json.GetProperty("type").GetString());
        Assert.Equal("INVALID_ARGUMENT", replies[1].Json.GetProperty("grpcStatus").GetString());
        await cancelled.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_cancels_the_backend_stream()
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
        {
            BaseAddress = fixture.Gateway.Http2Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var body = new DuplexBody("application/x-ndjson");
        using var request = StreamBodyGateway.Post(client, "/v1/stream:chat", body);
        using var leave = new CancellationTokenSource();
        body.Send("{\"text\":\"leaver\"}\n");
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token).WaitAsync(Patience);
        var replies = new ReplyReader(await response.Content.ReadAsStreamAsync(leave.Token), events: false);
        Assert.Equal("leaver", (await replies.NextAsync()).Text);
        var cancelled = fixture.Backend.WaitForLineAsync(l => l == "CANCELLED BidiStream leaver");

        await leave.CancelAsync();
        response.Dispose();

        await cancelled.WaitAsync(Patience);
        var logged = await fixture.Gateway.WaitForLogLineAsync(l => l.Contains("POST /v1/stream:chat", StringComparison.Ordinal) && l.Contains("→ 499", StringComparison.Ordinal)).WaitAsync(Patience);
        Assert.Contains("→ 499 CANCELLED", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_route_without_a_body_sends_its_one_message_from_the_path_and_streams_the_replies()
    {
        using var response = await fixture.Gateway.Http.GetAsync("/v1/stream/chat/hello");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replies = Replies(await response.Content.ReadAsStringAsync(), events: false);
        Assert.Equal(("message", "hello", 0), (replies.Single().Kind, replies.Single().Text, replies.Single().Index));
    }

    [Fact]
    public async Task A_stream_holds_its_slot_and_a_body_that_goes_silent_ends_it_with_an_error_after_the_idle_timeout()
    {
        var gateway = await fixture.StartGatewayAsync("  maxStreamsPerClient: 1\n  requestBodyIdleTimeout: 00:00:02\n");
        using var client = StreamBodyGateway.Client(gateway, "2.0");
        using var body = new DuplexBody("application/json");
        using var request = StreamBodyGateway.Post(client, "/v1/stream:chat", body);
        body.Send("{\"text\":\"quiet\"}");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        var replies = new ReplyReader(await response.Content.ReadAsStreamAsync(), events: false);
        Assert.Equal("quiet", (await replies.NextAsync()).Text);
        var clock = Stopwatch.StartNew();

        // The open stream holds the client's one place.
        using var second = await gateway.Http.PostAsync("/v1/stream:chat", new StringContent("{\"text\":\"x\"}", Encoding.UTF8, "application/json"));
        (await JsonReply.ReadAsync(second)).AssertProblem(429, "RESOURCE_EXHAUSTED");

        var error = await replies.NextAsync();
        Assert.Equal("error", error.Kind);
        Assert.Equal(408, error.Json.GetProperty("status").GetInt32());
        Assert.Equal("INVALID_ARGUMENT", error.Json.GetProperty("grpcStatus").GetString());
        Assert.Contains("streaming.requestBodyIdleTimeout", error.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(12));
        Assert.Null(await replies.NextOrEndAsync());

        // Its place is free once it ended.
        using var third = await gateway.Http.PostAsync("/v1/stream:chat", new StringContent("{\"text\":\"next\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal("next", Replies(await third.Content.ReadAsStringAsync(), events: false).Single().Text);
    }

    [Fact]
    public async Task A_stream_whose_body_keeps_trickling_ends_at_its_deadline_with_a_deadline_exceeded_event()
    {
        using var client = StreamBodyGateway.Client(fixture.Gateway, "2.0");
        using var body = new DuplexBody("application/x-ndjson");
        using var request = StreamBodyGateway.Post(client, "/v1/stream:chat", body);
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("X-Request-Timeout", "1s");
        body.Send("{\"text\":\"late\"}\n");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        var replies = new ReplyReader(await response.Content.ReadAsStreamAsync(), events: true);
        Assert.Equal("late", (await replies.NextAsync()).Text);

        using var stop = new CancellationTokenSource();
        var filling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                body.Send(" ");
                await Task.Delay(200);
            }
        });
        var error = await replies.NextAsync();
        await stop.CancelAsync();
        await filling;

        Assert.Equal("error", error.Kind);
        Assert.Equal(504, error.Json.GetProperty("status").GetInt32());
        Assert.Equal("DEADLINE_EXCEEDED", error.Json.GetProperty("grpcStatus").GetString());
    }

    private static List<Reply> Replies(string text, bool events)
    {
        // The last piece is unfinished (or empty): a line ends with a newline, an event with a blank line.
        var pieces = events ? text.Split("\n\n") : text.Split('\n');
        var replies = new List<Reply>();
        foreach (var piece in pieces[..^1])
        {
            if ((events ? Reply.FromEvent(piece.Split('\n')) : Reply.FromLine(piece)) is { } reply)
            {
                replies.Add(reply);
            }
        }

        return replies;
    }

    /// <summary>A reply or the stream's error: <c>{"error": problem}</c> as NDJSON, <c>event: error</c> as SSE.</summary>
    private sealed record Reply(string Kind, JsonElement Json)
    {
        public string? Text => Kind == "message" && Json.TryGetProperty("text", out var text) ? text.GetString() : null;

        public int Index => Json.TryGetProperty("index", out var index) ? index.GetInt32() : 0;

        public static Reply FromLine(string line)
        {
            var json = JsonDocument.Parse(line).RootElement.Clone();
            return json.TryGetProperty("error", out var error) ? new Reply("error", error) : new Reply("message", json);
        }

        /// <returns>The event, or null for a block of comments (keep-alives).</returns>
        public static Reply? FromEvent(IEnumerable<string> lines)
        {
            string? kind = null;
            string? data = null;
            foreach (var line in lines)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    kind = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }

            return kind is null ? null : new Reply(kind, JsonDocument.Parse(data!).RootElement.Clone());
        }
    }

    /// <summary>Reads replies one at a time from a response still arriving.</summary>
    private sealed class ReplyReader(Stream body, bool events)
    {
        private readonly StreamReader reader = new(body);

        public async Task<Reply> NextAsync() => await NextOrEndAsync() ?? throw new Xunit.Sdk.XunitException("the stream ended before the next reply");

        public async Task<Reply?> NextOrEndAsync()
        {
            using var timeout = new CancellationTokenSource(Patience);
            if (!events)
            {
                var line = await reader.ReadLineAsync(timeout.Token);
                return line is null ? null : Reply.FromLine(line);
            }

            var lines = new List<string>();
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    Assert.Empty(lines);
                    return null;
                }

                if (line.Length > 0)
                {
                    lines.Add(line);
                }
                else if (Reply.FromEvent(lines) is { } reply)
                {
                    return reply;
                }
                else
                {
                    lines.Clear();
                }
            }
        }
    }
}
