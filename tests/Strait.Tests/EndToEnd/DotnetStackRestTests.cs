using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using static Strait.Tests.EndToEnd.DotnetStackCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// REST clients (HttpClient, and ClientWebSocket for the streaming routes) through the gateway to the Grpc.AspNetCore
/// backend, whose routes come from the <c>google.api.http</c> annotations its reflection service carries: the echo
/// round trip, server streaming as NDJSON and SSE, a streamed NDJSON body, each streaming shape over a WebSocket,
/// google.rpc details as problem+json, and deadlines and disconnects the backend observes.
/// </summary>
[Collection(DotnetStackCollection.Name)]
public sealed class DotnetStackRestTests(DotnetStackFixture fixture)
{
    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task Every_field_kind_survives_the_round_trip_through_Google_Protobuf()
    {
        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Post, "/v1/echo", EchoInteropTests.EveryField));

        Assert.Equal(200, reply.Status);
        EchoInteropTests.AssertJsonEqual(EchoInteropTests.EveryField, reply.Body.GetProperty("request"));
        Assert.Equal("/strait.echo.v1.EchoService/Echo", reply.Text("peerMethod"));
        Assert.Equal(fixture.Backend.ReplicaId, reply.Message.Headers.GetValues("X-Replica-Id").Single());
        Assert.Equal("grpc-dotnet/2.85.0", reply.Message.Headers.GetValues("X-Server-Version").Single());
    }

    [Fact]
    public async Task Path_and_query_bind_into_the_request()
    {
        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Get, "/v1/echo/id%2Fwith%20space?int64Value=-5&strings=a&strings=b&nested.label=deep&labels%5Bk%5D=v", null));

        Assert.Equal(200, reply.Status);
        EchoInteropTests.AssertJsonEqual("""
            {"id": "id/with space", "int64Value": "-5", "strings": ["a", "b"], "nested": {"label": "deep"}, "labels": {"k": "v"}}
            """, reply.Body.GetProperty("request"));
    }

    [Fact]
    public async Task A_server_stream_arrives_as_newline_delimited_json()
    {
        using var response = await Gateway.Http.GetAsync(new Uri("/v1/stream/tick?count=3", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var replies = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([0, 1, 2], replies.Select(r => r.TryGetProperty("index", out var i) ? i.GetInt32() : 0));
        Assert.All(replies, r => Assert.Equal("tick", r.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task A_server_stream_arrives_as_server_sent_events_and_an_error_after_the_first_message_is_the_last_event()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/sse?count=5&failAfter=2&failCode=14");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await Gateway.Http.SendAsync(request);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = RestStreamingTests.ParseEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal(["message", "message", "error"], events.Select(e => e.Event));
        var error = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Equal(("UNAVAILABLE", "failed after 2 replies"), (error.GetProperty("grpcStatus").GetString(), error.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task An_ndjson_body_streams_into_a_client_streaming_call()
    {
        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Post, "/v1/stream:collect", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"c\"}\n", "application/x-ndjson"));

        Assert.Equal(200, reply.Status);
        Assert.Equal(("a+b+c", 3), (reply.Text("text"), reply.Body.GetProperty("index").GetInt32()));
    }

    /// <summary>
    /// Grpc.AspNetCore sends its response headers only with its first reply, so the first message goes before the
    /// response is awaited; each later one is sent only after the reply to the one before has been read.
    /// </summary>
    [Fact]
    public async Task Over_http2_a_rest_bidirectional_stream_answers_each_message_before_the_next_is_sent()
    {
        using var client = StreamBodyGateway.Client(Gateway, "2.0");
        using var body = new DuplexBody("application/x-ndjson");
        using var request = StreamBodyGateway.Post(client, "/v1/chat", body);

        body.Send("{\"text\":\"m0\"}\n");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        using var replies = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        for (var i = 0; i < 3; i++)
        {
            if (i > 0)
            {
                body.Send($$"""{"text":"m{{i}}"}""" + "\n");
            }

            var reply = JsonDocument.Parse((await replies.ReadLineAsync(timeout.Token))!).RootElement;
            Assert.Equal(("m" + i, i), (reply.GetProperty("text").GetString(), reply.TryGetProperty("index", out var index) ? index.GetInt32() : 0));
        }

        body.Complete();
        Assert.Null(await replies.ReadLineAsync(timeout.Token));
    }

    [Fact]
    public async Task Over_a_websocket_a_bidirectional_stream_answers_each_frame()
    {
        using var socket = await WebSocketTests.ConnectAsync(Gateway, "/v1/chat");
        for (var i = 0; i < 3; i++)
        {
            await WebSocketTests.SendAsync(socket, $$"""{"text": "hello {{i}}"}""");
            var reply = JsonDocument.Parse((await WebSocketTests.ReceiveAsync(socket))!).RootElement;
            Assert.Equal(($"hello {i}", i), (reply.GetProperty("text").GetString(), reply.TryGetProperty("index", out var index) ? index.GetInt32() : 0));
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Null(await WebSocketTests.ReceiveAsync(socket));
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "OK"), (socket.CloseStatus, socket.CloseStatusDescription));
    }

    [Fact]
    public async Task Over_a_websocket_a_server_stream_sends_its_replies_then_closes()
    {
        using var socket = await WebSocketTests.ConnectAsync(Gateway, "/v1/stream/ws?count=3");
        var indexes = new List<int>();
        while (await WebSocketTests.ReceiveAsync(socket) is { } frame)
        {
            indexes.Add(JsonDocument.Parse(frame).RootElement.TryGetProperty("index", out var index) ? index.GetInt32() : 0);
        }

        Assert.Equal([0, 1, 2], indexes);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task Over_a_websocket_a_client_stream_is_answered_once_the_client_closes_its_side()
    {
        using var socket = await WebSocketTests.ConnectAsync(Gateway, "/v1/stream:collect");
        foreach (var text in new[] { "a", "b", "c" })
        {
            await WebSocketTests.SendAsync(socket, $$"""{"text": "{{text}}"}""");
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        var reply = JsonDocument.Parse((await WebSocketTests.ReceiveAsync(socket))!).RootElement;

        Assert.Equal(("a+b+c", 3), (reply.GetProperty("text").GetString(), reply.GetProperty("index").GetInt32()));
        Assert.Null(await WebSocketTests.ReceiveAsync(socket));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Status_details_become_problem_json(bool headersFirst)
    {
        var body = $$"""
            {"code": 3, "message": "{{FailureMessage}}", "reason": "VALIDATION_FAILED", "domain": "interop.example.com",
             "metadata": {"task.title": "TOO_SHORT"}, "retryDelayMs": 1500, "headersFirst": {{(headersFirst ? "true" : "false")}},
             "violations": [{"field": "task.title", "description": "must not be empty"}, {"field": "task.due", "description": "in the past"}]}
            """;

        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Post, "/v1/interop:fail", body));

        reply.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.Equal(FailureMessage, reply.Text("detail"));
        Assert.Equal(
            ["task.title: must not be empty", "task.due: in the past"],
            reply.Body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString() + ": " + e.GetProperty("description").GetString()));
        Assert.Equal(("VALIDATION_FAILED", "interop.example.com"), (reply.Text("reason"), reply.Text("domain")));
        Assert.Equal("TOO_SHORT", reply.Body.GetProperty("metadata").GetProperty("task.title").GetString());
        Assert.Equal(
            ["type.googleapis.com/google.rpc.BadRequest", "type.googleapis.com/google.rpc.ErrorInfo", "type.googleapis.com/google.rpc.RetryInfo"],
            reply.Body.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("@type").GetString()));
        Assert.Equal(TimeSpan.FromSeconds(2), reply.Message.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_request_timeout_shorter_than_the_backends_work_is_a_504_and_ends_the_backends_call()
    {
        var id = "rest-expired-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/interop:delay") { Content = Json($$"""{"id": "{{id}}", "delayMs": 20000}""") };
        request.Headers.Add("X-Request-Timeout", "1500ms");

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        reply.AssertProblem(504, "DEADLINE_EXCEEDED");
        var record = await WaitForCallAsync(id, "STATE_CANCELLED");
        Assert.InRange(long.Parse(record.GetProperty("deadlineMs").GetString()!, CultureInfo.InvariantCulture), 1, 1500);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_the_backends_call()
    {
        var id = "rest-gone-" + Guid.NewGuid().ToString("N");
        using var cancellation = new CancellationTokenSource();
        var sent = Gateway.Http.PostAsync(new Uri("/v1/interop:delay", UriKind.Relative), Json($$"""{"id": "{{id}}", "delayMs": 20000}"""), cancellation.Token);
        await WaitForCallAsync(id, "STATE_RUNNING");

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sent);
        await WaitForCallAsync(id, "STATE_CANCELLED");
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>Asks the backend over REST (<c>GET /v1/interop/calls/{id}</c>) until the Delay call is in <paramref name="state"/>.</summary>
    private async Task<JsonElement> WaitForCallAsync(string id, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var reply = await JsonReply.ReadAsync(await Gateway.Http.GetAsync(new Uri("/v1/interop/calls/" + id, UriKind.Relative)));
            Assert.True(reply.Status is 200 or 404, $"GET /v1/interop/calls/{id}: {reply.Status} {reply.Body}");
            if (reply.Status == 200 && reply.Text("state") == state)
            {
                return reply.Body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"call {id} is {reply.Body}, not {state}, after 5 s");
            await Task.Delay(20);
        }
    }
}
