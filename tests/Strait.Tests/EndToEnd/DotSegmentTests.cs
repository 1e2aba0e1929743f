using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// A gateway whose Authorization rule is required except on <c>/healthz</c>, with a route that captures many
/// segments: the shape of the bypass where skipping was decided on Kestrel's normalised path and routing on the raw
/// target. Requests go over raw sockets so that the client does not remove the dot segments itself.
/// </summary>
public sealed class DotSegmentFixture : BackendBehindGatewayFixture
{
    private protected override Task<BackendBehindGateway> StartAsync() => BackendBehindGateway.StartNodeEchoAsync(backend => $$"""
            schema:
              protos: ["{{Path.Combine(BackendBehindGateway.EchoProtos, "echo.proto")}}"]
              protoPaths: ["{{BackendBehindGateway.EchoProtos}}"]
            backend:
              addresses: ["{{backend.Address}}"]
            http:
              rules:
                - selector: strait.echo.v1.EchoService.Echo
                  get: "/v1/{id=blobs/**}"
            http2Listen: http://127.0.0.1:0
            admin:
              listen: http://127.0.0.1:0
            headers:
              skipPaths: [/healthz]
              rules:
                - { httpHeader: Authorization, grpcMetadata: authorization, required: true }
            """);
}

public sealed class DotSegmentTests(DotSegmentFixture fixture) : IClassFixture<DotSegmentFixture>
{
    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task The_route_needs_its_authorization_header()
    {
        var without = await SendRawAsync("GET /v1/blobs/a HTTP/1.1");
        var with = await SendRawAsync("GET /v1/blobs/a HTTP/1.1", "Authorization: Bearer t");

        Assert.Equal(400, without.Status);
        Assert.Equal("urn:strait:problem:missing-header", without.Body.GetProperty("type").GetString());
        Assert.Equal(200, with.Status);
        Assert.Equal("blobs/a", with.Body.GetProperty("request").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("GET /v1/blobs/../../healthz HTTP/1.1")]
    [InlineData("GET /v1/blobs/%2e%2E/%2E./healthz HTTP/1.1")]
    [InlineData("GET /v1/blobs/./../../healthz?x=1 HTTP/1.1")]
    [InlineData("GET http://{authority}/v1/blobs/../../healthz HTTP/1.1")]
    public async Task A_target_with_dot_segments_is_a_400_and_never_reaches_the_backend(string requestLine)
    {
        var callsBefore = await BackendCallsAsync();

        var reply = await SendRawAsync(requestLine.Replace("{authority}", Gateway.Address.Authority, StringComparison.Ordinal));

        Assert.Equal(400, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("urn:strait:problem:dot-segment", reply.Body.GetProperty("type").GetString());
        Assert.Equal("INVALID_ARGUMENT", reply.Body.GetProperty("grpcStatus").GetString());
        Assert.False(reply.Body.TryGetProperty("metadata", out _));
        Assert.Equal(SentPath(requestLine), reply.Body.GetProperty("instance").GetString());
        Assert.Equal(callsBefore, await BackendCallsAsync());
    }

    // The path of the request line's target as sent: the problem names it, not the path Kestrel resolved it to.
    private static string SentPath(string requestLine)
    {
        var target = requestLine.Split(' ')[1];
        var path = target.StartsWith("http://", StringComparison.Ordinal) ? target[target.IndexOf('/', "http://".Length)..] : target;
        return path.Split('?')[0];
    }

    [Fact]
    public async Task A_grpc_web_call_with_dot_segments_is_refused_as_invalid_argument()
    {
        var callsBefore = await BackendCallsAsync();

        // An empty EchoRequest: one uncompressed frame of length zero.
        var reply = await SendRawAsync(
            "POST /strait.echo.v1.EchoService/../strait.echo.v1.EchoService/Echo HTTP/1.1",
            [0, 0, 0, 0, 0],
            "Content-Type: application/grpc-web+proto",
            "X-Grpc-Web: 1");

        // grpc-web over HTTP/1.1 carries the status in a trailer frame at the end of the body.
        Assert.Equal(200, reply.Status);
        Assert.Contains("grpc-status:3", reply.BodyText, StringComparison.Ordinal);
        Assert.Equal(callsBefore, await BackendCallsAsync());
    }

    /// <summary>Calls the gateway sent to the backend, by the admin view (tests of one class run one at a time).</summary>
    private async Task<long> BackendCallsAsync()
    {
        var clusters = await Gateway.GetClustersAsync();
        return clusters.GetProperty("clusters").EnumerateArray()
            .SelectMany(cluster => cluster.GetProperty("endpoints").EnumerateArray())
            .Sum(endpoint => endpoint.GetProperty("requestsTotal").GetInt64());
    }

    [Fact]
    public async Task A_native_grpc_call_with_dot_segments_is_refused_as_invalid_argument()
    {
        var callsBefore = await BackendCallsAsync();
        // Without this option Uri would remove the dot segments before the request leaves.
        var target = new Uri(
            Gateway.Http2Address + "strait.echo.v1.EchoService/../strait.echo.v1.EchoService/Echo",
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, target)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");

        using var response = await client.SendAsync(request);

        Assert.Equal("/strait.echo.v1.EchoService/../strait.echo.v1.EchoService/Echo", target.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal(callsBefore, await BackendCallsAsync());
    }

    private Task<RawReply> SendRawAsync(string requestLine, params string[] headers) => SendRawAsync(requestLine, [], headers);

    private async Task<RawReply> SendRawAsync(string requestLine, byte[] body, params string[] headers)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(Gateway.Address.Host, Gateway.Address.Port, timeout.Token);
        var stream = client.GetStream();
        var head = new StringBuilder()
            .Append(requestLine).Append("\r\n")
            .Append("Host: ").Append(Gateway.Address.Authority).Append("\r\n")
            .Append("Connection: close\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), timeout.Token);
        await stream.WriteAsync(body, timeout.Token);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, timeout.Token);
        return RawReply.Parse(received.ToArray());
    }

    private sealed record RawReply(int Status, string? ContentType, string BodyText, JsonElement Body)
    {
        public static RawReply Parse(byte[] response)
        {
            // Latin-1 keeps one character per byte, so chunk sizes count characters.
            var text = Encoding.Latin1.GetString(response);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.True(end > 0, "no complete response head: " + text);
            var lines = text[..end].Split("\r\n");
            var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }

            var contentType = headers.TryGetValue("Content-Type", out var type) ? type.Split(';')[0].Trim() : null;
            var bodyText = headers.ContainsKey("Transfer-Encoding") ? Unchunk(text[(end + 4)..]) : text[(end + 4)..];
            var body = contentType is "application/json" or "application/problem+json" ? JsonDocument.Parse(bodyText).RootElement.Clone() : default;
            return new RawReply(status, contentType, bodyText, body);
        }

        private static string Unchunk(string chunked)
        {
            var body = new StringBuilder();
            var position = 0;
            while (true)
            {
                var lineEnd = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
                var size = Convert.ToInt32(chunked[position..lineEnd], 16);
                if (size == 0)
                {
                    return body.ToString();
                }

                body.Append(chunked, lineEnd + 2, size);
                position = lineEnd + 2 + size + 2;
            }
        }
    }
}
