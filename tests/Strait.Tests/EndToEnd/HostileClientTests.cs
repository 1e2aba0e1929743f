using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// What an adversarial client can make the gateway do: every malformed or aborted request is the client's fault (a
/// 4xx, or nothing when it is gone) and a quiet log; nothing the client sends is echoed back without bound. The
/// gateway runs alone, in the test process (no backend is reached): every request here is refused before a call would
/// start.
/// </summary>
public sealed class HostileClientTests : IAsyncLifetime
{
    private InProcessGateway gateway = null!;

    public async Task InitializeAsync()
    {
        gateway = await InProcessGateway.StartAsync($"""
            schema:
              descriptorSets: ["{TestSchemas.Todo}"]
            backend:
              addresses: ["127.0.0.1:1"]
            http2Listen: http://127.0.0.1:0
            """);
    }

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    [Fact]
    public async Task Broken_and_abandoned_request_bodies_are_client_faults_logged_in_one_quiet_line()
    {
        // A chunk size that overflows 64 bits: Kestrel throws a plain IOException from the body read.
        var reply = await ExchangeAsync(
            "POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Request-Id: overflow-1\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", reply, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", reply, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"status\":400", reply, StringComparison.Ordinal);

        // The same body on the grpc-web edge: INVALID_ARGUMENT in the client's framing.
        var web = await ExchangeAsync(
            "POST /todo.v1.TaskService/CreateTask HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc-web-text\r\nTransfer-Encoding: chunked\r\nX-Request-Id: overflow-2\r\nConnection: close\r\n\r\n4\r\nAAAA\r\nFFFFFFFFFFFFFFFFFF\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", web, StringComparison.Ordinal);
        var trailer = Encoding.ASCII.GetString(Convert.FromBase64String(web.Split("\r\n")[^4]));
        Assert.Contains("grpc-status:3", trailer, StringComparison.Ordinal);

        // Half a body, then a reset: nobody is left to answer.
        for (var i = 0; i < 5; i++)
        {
            using var socket = await ConnectAsync(gateway.Address);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                $"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-Request-Id: reset-{i}\r\n\r\n{{\"task\":"));
            await Task.Delay(100);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }

        for (var i = 0; i < 5; i++)
        {
            await gateway.WaitForLogLineAsync(l => l.Contains($"(request reset-{i})", StringComparison.Ordinal)).WaitAsync(TimeSpan.FromSeconds(20));
        }

        await gateway.WaitForLogLineAsync(l => l.Contains("(request overflow-1)", StringComparison.Ordinal)).WaitAsync(TimeSpan.FromSeconds(20));
        await gateway.WaitForLogLineAsync(l => l.Contains("(request overflow-2)", StringComparison.Ordinal)).WaitAsync(TimeSpan.FromSeconds(20));
        var log = gateway.Output;
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unexpected", log, StringComparison.Ordinal);
        Assert.DoesNotContain(" fail: ", log, StringComparison.Ordinal);
        Assert.DoesNotContain(" crit: ", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_health_service_name_is_not_echoed_whole_in_grpc_message()
    {
        var name = new string('s', 200 * 1024);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.Http2Address!, "/grpc.health.v1.Health/Check"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcFrame(HealthCheckRequest(name))),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        _ = await response.Content.ReadAsByteArrayAsync();

        var fields = response.Headers.Concat(response.TrailingHeaders).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("5", fields["grpc-status"]); // NOT_FOUND
        Assert.InRange(fields["grpc-message"].Length, 16, 1024);
        Assert.Contains("unknown service", fields["grpc-message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_path_is_not_echoed_whole_in_the_problem_detail()
    {
        var path = "/v1/" + new string('p', 7000);

        using var response = await gateway.Http.GetAsync(path);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var detail = body.RootElement.GetProperty("detail").GetString()!;
        Assert.InRange(detail.Length, 16, 1024);
        Assert.EndsWith("…", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_and_settings_floods_on_raw_h2c_connections_leave_the_log_quiet()
    {
        var before = gateway.Output.Split('\n').Length;
        var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray().Concat(Frame(0x4, 0, [])).ToArray();
        byte[] ping = Frame(0x6, 0, "12345678"u8.ToArray());
        byte[] settings = Frame(0x4, 0, [0x00, 0x03, 0x00, 0x00, 0x00, 0x64]);
        var floods = Enumerable.Range(0, 5).Select(async i =>
        {
            // The client never reads its PING and SETTINGS acknowledgements, then resets the connection.
            using var socket = await ConnectAsync(gateway.Http2Address!);
            socket.ReceiveBufferSize = 4096;
            await socket.SendAsync(preface);
            var burst = Enumerable.Repeat(i % 2 == 0 ? ping : settings, 1000).SelectMany(f => f).ToArray();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                for (var sent = 0; sent < 200; sent++)
                {
                    await socket.SendAsync(burst, stop.Token);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The gateway stopped reading or closed the connection: the flood is over either way.
            }

            socket.LingerState = new LingerOption(true, 0);
        });
        await Task.WhenAll(floods);

        // The gateway still serves, and its log took at most a handful of lines for all of it.
        using var health = await gateway.Http.GetAsync("/v1/tasks/none");
        await Task.Delay(500);
        var added = gateway.Output.Split('\n')[before..];
        Assert.True(added.Length <= 8, string.Join('\n', added));
        Assert.DoesNotContain(added, l => l.Contains(" crit: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal));
    }

    private static byte[] Frame(byte type, byte flags, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        payload.CopyTo(frame, 9);
        return frame;
    }

    private static async Task<Socket> ConnectAsync(Uri address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.Host, address.Port);
        return socket;
    }

    private async Task<string> ExchangeAsync(string request)
    {
        using var socket = await ConnectAsync(gateway.Address);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int read;
        while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    // grpc.health.v1.HealthCheckRequest { string service = 1; }
    private static byte[] HealthCheckRequest(string service)
    {
        var text = Encoding.UTF8.GetBytes(service);
        var message = new MemoryStream();
        message.WriteByte(0x0A);
        for (var length = (uint)text.Length; ; length >>= 7)
        {
            if (length < 0x80)
            {
                message.WriteByte((byte)length);
                break;
            }

            message.WriteByte((byte)(length | 0x80));
        }

        message.Write(text);
        return message.ToArray();
    }

    private static byte[] GrpcFrame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
