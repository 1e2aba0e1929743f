using System.Diagnostics;
using System.Net;
using System.Text;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// A REST client stream whose body stops short (one message, then silence, whitespace or an unfinished message) still
/// ends: at the call's deadline with 504, or after <c>streaming.requestBodyIdleTimeout</c> without a byte with 408; over
/// HTTP/1.1 and HTTP/2, for NDJSON, JSON-array and concatenated-JSON bodies. Its stream slot is free afterwards: under
/// <c>maxStreamsPerClient: 1</c> the same client's next stream is admitted.
/// </summary>
public sealed class ClientStreamTimeoutTests : IClassFixture<ClientStreamTimeoutTests.Fixture>
{
    // Longer than the deadline tests' 1 s, so that only the deadline can end those.
    private const string IdleTimeout = "00:00:03";
    private readonly Fixture fixture;

    public ClientStreamTimeoutTests(Fixture fixture)
    {
        this.fixture = fixture;
    }

    [Theory]
    [InlineData("1.1", "application/x-ndjson", "{\"text\":\"a\"}\n{\"text\":")]
    [InlineData("1.1", "application/json", "[{\"text\":\"a\"}, {\"text\":")]
    [InlineData("2.0", "application/x-ndjson", "{\"text\":\"a\"}\n{\"text\":")]
    [InlineData("2.0", "application/json", "[{\"text\":\"a\"}, {\"text\":")]
    [InlineData("1.1", "application/json", "{\"text\":\"a\"} {\"text\":")]
    [InlineData("2.0", "application/json", "{\"text\":\"a\"}\n{\"text\":")]
    public async Task A_body_that_stops_short_but_keeps_sending_whitespace_ends_at_the_deadline_with_504(string version, string contentType, string start)
    {
        var clock = Stopwatch.StartNew();
        var answer = await SendUnfinishedAsync(version, contentType, start, fillEvery: TimeSpan.FromMilliseconds(250), timeout: "1s").WaitAsync(TimeSpan.FromSeconds(20));
        var elapsed = clock.Elapsed;

        answer.AssertProblem(504, "DEADLINE_EXCEEDED");
        // The whitespace arrives every 250 ms, within the 3 s idle timeout: only the deadline can have ended the call.
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
        await AssertNextStreamAdmittedAsync(version);
    }

    [Theory]
    [InlineData("1.1", "application/x-ndjson", "{\"text\":\"a\"}\n")]
    [InlineData("1.1", "application/json", "[{\"text\":\"a\"}")]
    [InlineData("2.0", "application/x-ndjson", "{\"text\":\"a\"}\n")]
    [InlineData("2.0", "application/json", "[{\"text\":\"a\"}")]
    [InlineData("1.1", "application/json", "{\"text\":\"a\"}")]
    [InlineData("2.0", "application/json", "{\"text\":\"a\"} ")]
    public async Task A_body_that_goes_silent_ends_after_the_idle_timeout_with_408(string version, string contentType, string start)
    {
        var clock = Stopwatch.StartNew();
        var answer = await SendUnfinishedAsync(version, contentType, start, fillEvery: null, timeout: null).WaitAsync(TimeSpan.FromSeconds(25));
        var elapsed = clock.Elapsed;

        answer.AssertProblem(408, "INVALID_ARGUMENT");
        Assert.Contains("streaming.requestBodyIdleTimeout", answer.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // The deadline is the default 30 s: an answer this early is the idle timeout's.
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.8), TimeSpan.FromSeconds(20));
        await AssertNextStreamAdmittedAsync(version);
    }

    private async Task AssertNextStreamAdmittedAsync(string version)
    {
        using var client = fixture.Client(version);
        using var request = Post(client, new StringContent("{\"text\":\"a\"}\n{\"text\":\"b\"}\n", Encoding.UTF8, "application/x-ndjson"));
        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));

        var reply = await JsonReply.ReadAsync(response);
        Assert.Equal(200, reply.Status);
        Assert.Equal("a+b", reply.Text("text"));
    }

    /// <summary>
    /// Posts a body that sends <paramref name="start"/>, then a space every <paramref name="fillEvery"/> (or nothing),
    /// and never ends; returns the answer that comes meanwhile. HTTP/1.1 goes over a raw socket, since HttpClient does
    /// not read an HTTP/1.1 answer before it has sent the whole body.
    /// </summary>
    private async Task<Answer> SendUnfinishedAsync(string version, string contentType, string start, TimeSpan? fillEvery, string? timeout)
    {
        if (version == "2.0")
        {
            using var client = fixture.Client(version);
            using var request = Post(client, new UnfinishedBody(start, contentType, fillEvery));
            if (timeout is not null)
            {
                request.Headers.Add("X-Request-Timeout", timeout);
            }

            using var response = await client.SendAsync(request);
            var reply = await JsonReply.ReadAsync(response);
            return new Answer(reply.Status, reply.ContentType, reply.Body);
        }

        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(fixture.Address.Host, fixture.Address.Port);
        var stream = socket.GetStream();
        var head = $"POST /v1/stream:collect HTTP/1.1\r\nHost: x\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n"
            + (timeout is null ? string.Empty : $"X-Request-Timeout: {timeout}\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + Chunk(start)));
        using var stop = new CancellationTokenSource();
        var filling = fillEvery is { } every ? FillAsync(stream, every, stop.Token) : Task.CompletedTask;
        try
        {
            // The answer is read as it arrives: the connection stays open while Kestrel drains the body for a while.
            var text = string.Empty;
            var buffer = new byte[4096];
            int split;
            while ((split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0 || !text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                Assert.True(read > 0, "the connection closed before a whole answer: " + text);
                text += Encoding.UTF8.GetString(buffer, 0, read);
            }

            // The body the gateway stopped reading may never end: the client is told the connection is done.
            var headers = text[..split].Split("\r\n");
            Assert.Contains(headers, h => h.Equals("Connection: close", StringComparison.OrdinalIgnoreCase));
            var type = headers.FirstOrDefault(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?[13..].Trim().Split(';')[0];
            var body = Unchunk(text[(split + 4)..]);
            return new Answer(int.Parse(headers[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), type, System.Text.Json.JsonDocument.Parse(body).RootElement.Clone());
        }
        finally
        {
            await stop.CancelAsync();
            await filling;
        }
    }

    private static async Task FillAsync(Stream stream, TimeSpan every, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(every, stop);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(Chunk(" ")), stop);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The gateway answered and closed the connection, or the test is over.
        }
    }

    private static string Chunk(string data) => $"{Encoding.UTF8.GetByteCount(data):x}\r\n{data}\r\n";

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..lineEnd], 16);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private static HttpRequestMessage Post(HttpClient client, HttpContent body) => new(HttpMethod.Post, "/v1/stream:collect")
    {
        Content = body,
        Version = client.DefaultRequestVersion,
        VersionPolicy = client.DefaultVersionPolicy,
    };

    private sealed record Answer(int Status, string? ContentType, System.Text.Json.JsonElement Body)
    {
        public void AssertProblem(int status, string grpcStatus)
        {
            Assert.Equal(status, Status);
            Assert.Equal("application/problem+json", ContentType);
            Assert.Equal(status, Body.GetProperty("status").GetInt32());
            Assert.Equal(grpcStatus, Body.GetProperty("grpcStatus").GetString());
        }
    }

    /// <summary>A body that sends its start, then (optionally) a space now and then, and never ends.</summary>
    private sealed class UnfinishedBody : HttpContent
    {
        private readonly byte[] start;
        private readonly TimeSpan? fillEvery;
        private readonly CancellationTokenSource stop = new(TimeSpan.FromSeconds(60));

        public UnfinishedBody(string start, string contentType, TimeSpan? fillEvery)
        {
            this.start = Encoding.UTF8.GetBytes(start);
            this.fillEvery = fillEvery;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            using var sending = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellationToken);
            try
            {
                await stream.WriteAsync(start, sending.Token);
                await stream.FlushAsync(sending.Token);
                while (true)
                {
                    await Task.Delay(fillEvery ?? Timeout.InfiniteTimeSpan, sending.Token);
                    await stream.WriteAsync(" "u8.ToArray(), sending.Token);
                    await stream.FlushAsync(sending.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
                // The gateway answered and closed the request stream, or the test is over.
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                stop.Cancel();
                stop.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    public sealed class Fixture : BackendBehindGatewayFixture
    {
        public Uri Address => Gateway.Address;

        public HttpClient Client(string version) => version == "2.0"
            ? new HttpClient { BaseAddress = Gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact }
            : new HttpClient { BaseAddress = Gateway.Address };

        private protected override Task<BackendBehindGateway> StartAsync() => BackendBehindGateway.StartNodeEchoAsync(backend => $"""
                http2Listen: http://127.0.0.1:0
                schema:
                  protos: ["{Path.Combine(BackendBehindGateway.EchoProtos, "stream.proto")}"]
                  protoPaths: ["{BackendBehindGateway.EchoProtos}"]
                backend:
                  addresses: ["{backend.Address}"]
                http:
                  rules:
                    - selector: strait.echo.v1.StreamService.ClientStream
                      post: "/v1/stream:collect"
                      body: "*"
                streaming:
                  maxStreamsPerClient: 1
                  requestBodyIdleTimeout: {IdleTimeout}
                """);
    }
}
