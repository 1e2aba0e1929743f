using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Strait.Echo.V1;
using Strait.Wire;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// One cleartext <c>listen</c> port for every client, with no <c>http2Listen</c>: HTTP/1.1, h2c with prior knowledge
/// (REST and native gRPC) and curl in both modes. The HTTP/2 connection preface tells the two apart, so the tests also
/// feed it in pieces and send what is not a preface.
/// </summary>
public sealed class CleartextListenerTests : IAsyncLifetime
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private BackendProcess backend = null!;
    private GatewayProcess gateway = null!;
    private DirectoryInfo directory = null!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartNodeEchoAsync();
        directory = Directory.CreateTempSubdirectory("strait-cleartext-");
        var protos = Path.Combine(RepositoryPaths.NodeEcho, "protos");
        var config = Path.Combine(directory.FullName, "strait.yaml");
        await File.WriteAllTextAsync(config, $"""
            schema:
              protos: ["{Path.Combine(protos, "echo.proto")}"]
              protoPaths: ["{protos}"]
            backend:
              addresses: ["{backend.Address}"]
            """);
        gateway = await GatewayProcess.StartAsync("--config", config);
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await backend.DisposeAsync();
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task An_http11_rest_request_is_answered_over_http11()
    {
        using var response = await SendAsync(HttpVersion.Version11, "/v1/echo/h1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("h1", await EchoedIdAsync(response));
    }

    [Fact]
    public async Task A_prior_knowledge_http2_rest_request_is_answered_over_http2()
    {
        using var response = await SendAsync(HttpVersion.Version20, "/v1/echo/h2c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("h2c", body.RootElement.GetProperty("request").GetProperty("id").GetString());
        // The request is still plain http: nothing made it look like TLS.
        Assert.Equal("http", body.RootElement.GetProperty("metadata").GetProperty("x-forwarded-proto").GetString());
    }

    [Fact]
    public async Task A_native_grpc_call_goes_through_the_listen_port()
    {
        using var client = new GrpcClient(gateway.Address);
        using var result = await client.InvokeUnaryAsync(
            "/strait.echo.v1.EchoService/Echo", new EchoRequest { Id = "grpc" }.ToByteArray(), deadlineUtc: DateTime.UtcNow.AddSeconds(20));

        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
        var reply = EchoResponse.Parser.ParseFrom(result.Message.Span);
        Assert.Equal("grpc", reply.Request.Id);
        Assert.Equal(backend.ReplicaId, result.ResponseHeaders.GetValues("x-replica-id").Single());
    }

    [Fact]
    public async Task Curl_gets_http11_by_default_and_http2_with_prior_knowledge()
    {
        // test.sh installs curl (Debian's is built with nghttp2), so this runs wherever the suite does.
        Assert.Equal(("1.1", "curl-h1"), await CurlAsync("--http1.1", "curl-h1"));
        Assert.Equal(("2", "curl-h2c"), await CurlAsync("--http2-prior-knowledge", "curl-h2c"));
    }

    [Fact]
    public async Task A_preface_trickled_one_byte_at_a_time_still_gets_http2()
    {
        using var socket = await ConnectAsync();
        foreach (var b in Preface)
        {
            await socket.SendAsync(new[] { b });
            await Task.Delay(15);
        }

        await socket.SendAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }); // an empty SETTINGS frame
        var header = await ReceiveExactlyAsync(socket, 9);

        // An HTTP/1.1 connection answers the preface with GOAWAY (HTTP_1_1_REQUIRED); an HTTP/2 one with its SETTINGS.
        Assert.Equal((4, 0), (header[3], header[4] & 1));
        Assert.Equal(0, header[5] | header[6] | header[7] | header[8]);
    }

    [Fact]
    public async Task A_request_shorter_than_the_preface_is_answered_without_waiting_for_more_bytes()
    {
        // 19 bytes, and the connection stays open for writing: only its first byte can tell it is not a preface.
        var reply = await ExchangeAsync("GET /x HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 404 ", reply, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", reply, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_preface_that_goes_wrong_in_its_last_bytes_is_left_to_http11()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"u8.ToArray());
        var frame = await ReceiveExactlyAsync(socket, 17);

        // Kestrel's HTTP/1.1 answers a request line of "PRI * HTTP/2.0" with GOAWAY (HTTP_1_1_REQUIRED); its HTTP/2 would
        // have answered a broken preface with GOAWAY (PROTOCOL_ERROR).
        Assert.Equal(7, frame[3]);
        Assert.Equal(0xDu, BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(13)));
    }

    [Theory]
    [InlineData("HELLO\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003\r\n\r\n")]
    public async Task What_is_not_a_preface_nor_http11_gets_a_400_from_http11(string garbage)
    {
        var reply = await ExchangeAsync(garbage);

        Assert.StartsWith("HTTP/1.1 400 ", reply, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendAsync(Version version, string path)
    {
        using var client = new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        return await client.SendAsync(request);
    }

    private static async Task<string> EchoedIdAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("request").GetProperty("id").GetString()!;
    }

    private async Task<(string Version, string Id)> CurlAsync(string mode, string id)
    {
        await using var curl = ChildProcess.Start("curl", ["-sS", "--max-time", "20", mode, "-w", "\n%{http_version}\n", new Uri(gateway.Address, "/v1/echo/" + id).ToString()]);
        Assert.Equal(0, await curl.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lines = curl.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var body = JsonDocument.Parse(lines[0]);
        return (lines[1], body.RootElement.GetProperty("request").GetProperty("id").GetString()!);
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(gateway.Address.Host, gateway.Address.Port);
        return socket;
    }

    /// <summary>Sends <paramref name="request"/> without closing the sending side, and reads until the gateway closes.</summary>
    private async Task<string> ExchangeAsync(string request)
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Encoding.Latin1.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read;
        while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var bytes = new byte[count];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var at = 0; at < count;)
        {
            var read = await socket.ReceiveAsync(bytes.AsMemory(at), timeout.Token);
            Assert.True(read > 0, "the gateway closed the connection");
            at += read;
        }

        return bytes;
    }
}
