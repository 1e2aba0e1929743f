using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Streaming methods over WebSockets with .NET's standard <see cref="ClientWebSocket"/>: one JSON message per text
/// frame each way, the call's status as the close code (1000, or 4000 + the gRPC code after an error frame), frames
/// that are not messages refused with their RFC 6455 codes, and every way the socket ends cancelling the backend.
/// </summary>
public sealed class WebSocketTests : IAsyncLifetime
{
    private BackendBehindGateway stack = null!;

    public async Task InitializeAsync() => stack = await BackendBehindGateway.StartNodeEchoAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task A_bidirectional_method_answers_each_frame_and_closes_normally_after_the_client_does()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/chat");
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(socket, $$"""{"text": "hello {{i}}"}""");
            var reply = JsonDocument.Parse((await ReceiveAsync(socket))!).RootElement;
            Assert.Equal($"hello {i}", reply.GetProperty("text").GetString());
            Assert.Equal(i, reply.TryGetProperty("index", out var index) ? index.GetInt32() : 0);
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Null(await ReceiveAsync(socket));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("OK", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task A_client_stream_is_answered_once_the_client_closes_its_side()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/stream:collect");
        foreach (var text in new[] { "a", "b", "c" })
        {
            await SendAsync(socket, $$"""{"text": "{{text}}"}""");
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        var reply = JsonDocument.Parse((await ReceiveAsync(socket))!).RootElement;

        Assert.Equal(("a+b+c", 3), (reply.GetProperty("text").GetString(), reply.GetProperty("index").GetInt32()));
        Assert.Null(await ReceiveAsync(socket));
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "OK"), (socket.CloseStatus, socket.CloseStatusDescription));
    }

    [Fact]
    public async Task The_handshake_goes_through_header_mapping_and_its_metadata_reaches_the_backend()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/chat", new Dictionary<string, string> { ["X-Request-Id"] = "ws-handshake-1" });
        await SendAsync(socket, """{"text": "m"}""");
        var reply = JsonDocument.Parse((await ReceiveAsync(socket))!).RootElement;

        Assert.Equal("ws-handshake-1", reply.GetProperty("metadata").GetProperty("x-request-id").GetString());
    }

    [Fact]
    public async Task A_server_streaming_route_without_a_body_streams_its_replies_then_closes()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/stream/ws?count=3");
        var texts = new List<string?>();
        while (await ReceiveAsync(socket) is { } frame)
        {
            texts.Add(JsonDocument.Parse(frame).RootElement.GetProperty("text").GetString());
        }

        Assert.Equal(["ws", "ws", "ws"], texts);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task A_backend_error_mid_stream_is_an_error_frame_and_a_close_code_naming_the_status()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/stream/e?count=5&failAfter=2&failCode=14");
        var frames = new List<string>();
        while (await ReceiveAsync(socket) is { } frame)
        {
            frames.Add(frame);
        }

        Assert.Equal(3, frames.Count);
        var error = JsonDocument.Parse(frames[^1]).RootElement.GetProperty("error");
        Assert.Equal("UNAVAILABLE", error.GetProperty("grpcStatus").GetString());
        Assert.Equal("failed after 2 replies", error.GetProperty("detail").GetString());
        Assert.Equal(4014, (int)socket.CloseStatus!);
        Assert.Equal("UNAVAILABLE", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task A_frame_that_is_not_a_message_closes_with_1007_and_says_why()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/chat");
        await SendAsync(socket, """{"text": 12, "nope": true}""");

        var error = JsonDocument.Parse((await ReceiveAsync(socket))!).RootElement.GetProperty("error");
        Assert.Null(await ReceiveAsync(socket));

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, socket.CloseStatus);
        Assert.Contains("Frame 1", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binary_frame_closes_with_1003()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/chat");
        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);

        Assert.NotNull(await ReceiveAsync(socket));
        Assert.Null(await ReceiveAsync(socket));
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, socket.CloseStatus);
    }

    [Fact]
    public async Task A_client_that_drops_the_connection_cancels_the_backend_stream()
    {
        using var socket = await ConnectAsync(stack.Gateway, "/v1/stream/dropped-ws?count=10000&intervalMs=20");
        Assert.NotNull(await ReceiveAsync(socket));

        var cancelled = stack.Backend.ServerStreamCancelledAtAsync("dropped-ws");
        var droppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        socket.Abort();

        Assert.InRange(await cancelled - droppedAt, 0, 100);
    }

    [Fact]
    public async Task A_handshake_from_a_foreign_browser_origin_is_refused_but_the_gateways_own_origin_is_not()
    {
        var (foreign, _) = await TryConnectAsync(stack.Gateway, "/v1/chat", new Dictionary<string, string> { ["Origin"] = "https://evil.example" });
        Assert.Equal(HttpStatusCode.Forbidden, foreign);

        var own = $"http://{stack.Gateway.Address.Authority}";
        using var socket = await ConnectAsync(stack.Gateway, "/v1/chat", new Dictionary<string, string> { ["Origin"] = own });
        await SendAsync(socket, """{"text": "same origin"}""");
        Assert.Contains("same origin", await ReceiveAsync(socket), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_unary_route_refuses_the_upgrade_with_a_problem()
    {
        var (status, _) = await TryConnectAsync(stack.Gateway, "/v1/echo/1");

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Idle_streams_are_closed_and_streams_past_the_per_client_cap_are_refused()
    {
        await using var limited = await stack.StartEchoGatewayAsync("streaming:\n  idleTimeout: 00:00:00.500\n  maxStreamsPerClient: 1");
        using var first = await ConnectAsync(limited, "/v1/chat");

        var (refused, _) = await TryConnectAsync(limited, "/v1/chat");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused);

        // Nothing is sent either way: the idle timeout ends the stream as DEADLINE_EXCEEDED.
        var error = JsonDocument.Parse((await ReceiveAsync(first).WaitAsync(TimeSpan.FromSeconds(10)))!).RootElement.GetProperty("error");
        Assert.Null(await ReceiveAsync(first));
        Assert.Equal(4004, (int)first.CloseStatus!);
        Assert.Contains("idleTimeout", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        // Its place is free again once the gateway has finished the closing handshake, which ends a moment later.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (status, second) = await TryConnectAsync(limited, "/v1/chat");
        while (second is null && clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            await Task.Delay(50);
            (status, second) = await TryConnectAsync(limited, "/v1/chat");
        }

        using (second)
        {
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        }
    }

    internal static async Task<ClientWebSocket> ConnectAsync(GatewayProcess gateway, string path, Dictionary<string, string>? headers = null)
    {
        var (status, socket) = await TryConnectAsync(gateway, path, headers);
        Assert.True(socket is not null, $"handshake refused with {status}");
        return socket!;
    }

    private static async Task<(HttpStatusCode Status, ClientWebSocket? Socket)> TryConnectAsync(GatewayProcess gateway, string path, Dictionary<string, string>? headers = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers ?? [])
        {
            socket.Options.SetRequestHeader(name, value);
        }

        var uri = new UriBuilder(new Uri(gateway.Address, path)) { Scheme = "ws" }.Uri;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(uri, timeout.Token);
            return (socket.HttpStatusCode, socket);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (status, null);
        }
    }

    internal static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <returns>The next text frame, or null once the server closed.</returns>
    internal static async Task<string?> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (result.EndOfMessage)
            {
                return text.ToString();
            }
        }
    }
}
