using System.Net;
using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// REST server streaming through the gateway to the @grpc/grpc-js StreamService: newline-delimited JSON by default,
/// Server-Sent Events on <c>Accept: text/event-stream</c>, and errors after the first message as the last line or event.
/// It runs alone, after the parallel tests: its cancellation bound (100 ms from the client leaving to the backend
/// seeing it) measured the suite's load on two cores, not the gateway, when it ran beside them.
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class RestStreamingTests : IAsyncLifetime
{
    private BackendBehindGateway stack = null!;

    public async Task InitializeAsync() => stack = await BackendBehindGateway.StartNodeEchoAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task Messages_arrive_as_newline_delimited_json_by_default()
    {
        using var response = await stack.Gateway.Http.GetAsync("/v1/stream/tick?count=3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var replies = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(replies, r => Assert.Equal("tick", r.GetProperty("text").GetString()));
        Assert.Equal([0, 1, 2], replies.Select(r => r.TryGetProperty("index", out var i) ? i.GetInt32() : 0));
    }

    [Fact]
    public async Task Event_stream_clients_get_server_sent_events_with_ids_and_their_last_event_id_forwarded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/sse?count=2");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Last-Event-ID", "41");
        using var response = await stack.Gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var events = ParseEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal(["0", "1"], events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal("message", e.Event));
        var first = JsonDocument.Parse(events[0].Data).RootElement;
        Assert.Equal("sse", first.GetProperty("text").GetString());
        Assert.Equal("41", first.GetProperty("metadata").GetProperty("last-event-id").GetString());
    }

    [Fact]
    public async Task An_error_after_the_first_message_is_the_last_line_or_event_with_the_problem()
    {
        using var ndjson = await stack.Gateway.Http.GetAsync("/v1/stream/x?count=5&failAfter=2&failCode=14");
        Assert.Equal(HttpStatusCode.OK, ndjson.StatusCode);
        var lines = (await ndjson.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var error = JsonDocument.Parse(lines[^1]).RootElement.GetProperty("error");
        Assert.Equal(503, error.GetProperty("status").GetInt32());
        Assert.Equal("UNAVAILABLE", error.GetProperty("grpcStatus").GetString());
        Assert.Equal("failed after 2 replies", error.GetProperty("detail").GetString());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/x?count=5&failAfter=2&failCode=14");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var sse = await stack.Gateway.Http.SendAsync(request);
        var events = ParseEvents(await sse.Content.ReadAsStringAsync());
        Assert.Equal(["message", "message", "error"], events.Select(e => e.Event));
        Assert.Equal("UNAVAILABLE", JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("grpcStatus").GetString());
    }

    [Fact]
    public async Task A_stream_of_no_messages_is_an_empty_200()
    {
        using var response = await stack.Gateway.Http.GetAsync("/v1/stream/none?count=0");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Each_message_is_flushed_as_it_arrives()
    {
        using var response = await stack.Gateway.Http.GetAsync("/v1/stream/slow?count=3&intervalMs=400", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var first = await reader.ReadLineAsync();

        Assert.Contains("\"slow\"", first, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(350), $"the first line took {clock.Elapsed}, as if the stream were buffered");
        Assert.NotNull(await reader.ReadLineAsync());
        Assert.NotNull(await reader.ReadLineAsync());
        Assert.Null(await reader.ReadLineAsync());
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_cancels_the_backend_stream()
    {
        // HttpClient drains an abandoned response for up to 2 s to reuse its connection; a client that leaves does not.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = stack.Gateway.Address };
        var response = await http.GetAsync("/v1/stream/abandoned?count=1000&intervalMs=50", HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.NotNull(await reader.ReadLineAsync());

        var cancelled = stack.Backend.ServerStreamCancelledAtAsync("abandoned");
        var leftAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        reader.Dispose();
        response.Dispose();

        // From the client closing its connection to the backend's cancellation: the acceptance bound is 100 ms.
        Assert.InRange(await cancelled - leftAt, 0, 100);
        var logged = await stack.Gateway.WaitForLogLineAsync(l => l.Contains("GET /v1/stream/abandoned", StringComparison.Ordinal));
        Assert.Contains("→ 499 CANCELLED", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_gateway_result_envelopes_and_keep_alive_comments_are_options()
    {
        await using var options = await stack.StartEchoGatewayAsync("""
            streaming:
              envelope: result
              sseKeepAlive: 00:00:00.150
            """);

        using var ndjson = await options.Http.GetAsync("/v1/stream/wrapped?count=2");
        var lines = (await ndjson.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal("wrapped", JsonDocument.Parse(l).RootElement.GetProperty("result").GetProperty("text").GetString()));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/quiet?count=2&intervalMs=700");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var sse = await options.Http.SendAsync(request);
        var text = await sse.Content.ReadAsStringAsync();
        Assert.Contains(": keep-alive\n\n", text, StringComparison.Ordinal);
        Assert.Equal(2, ParseEvents(text).Count);
    }

    [Fact]
    public async Task An_ndjson_body_streams_into_a_client_streaming_call_one_message_per_line()
    {
        using var lines = new StringContent("{\"text\":\"a\"}\n{\"text\":\"b\"}\r\n\n{\"text\":\"c\"}", System.Text.Encoding.UTF8, "application/x-ndjson");
        using var response = await stack.Gateway.Http.PostAsync("/v1/stream:collect", lines);

        var reply = await JsonReply.ReadAsync(response);
        Assert.Equal(200, reply.Status);
        Assert.Equal("a+b+c", reply.Text("text"));
        Assert.Equal(3, reply.Body.GetProperty("index").GetInt32());

        // A plain JSON body is one message, as before.
        using var single = await stack.Gateway.Http.PostAsync("/v1/stream:collect", new StringContent("{\"text\":\"solo\"}", System.Text.Encoding.UTF8, "application/json"));
        var solo = await JsonReply.ReadAsync(single);
        Assert.Equal(("solo", 1), (solo.Text("text"), solo.Body.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task An_ndjson_body_split_across_many_reads_still_streams_one_message_per_line()
    {
        using var content = new TrickledBody("{\"text\":\"first line, long enough to arrive in pieces\"}\r\n\n{\"text\":\"b\"}\n{\"text\":\"c\"}", "application/x-ndjson", chunk: 2);
        using var response = await stack.Gateway.Http.PostAsync("/v1/stream:collect", content);

        var reply = await JsonReply.ReadAsync(response);
        Assert.Equal(200, reply.Status);
        Assert.Equal("first line, long enough to arrive in pieces+b+c", reply.Text("text"));
        Assert.Equal(3, reply.Body.GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task An_invalid_line_is_a_400_naming_it_and_nothing_is_answered_for_the_lines_before()
    {
        using var lines = new StringContent("{\"text\":\"a\"}\n{\"nope\":1}\n{\"text\":\"c\"}\n", System.Text.Encoding.UTF8, "application/x-ndjson");
        using var response = await stack.Gateway.Http.PostAsync("/v1/stream:collect", lines);

        var problem = (await JsonReply.ReadAsync(response)).AssertProblem(400, "INVALID_ARGUMENT");
        Assert.StartsWith("Line 2 of the request body is invalid", problem.Text("detail"), StringComparison.Ordinal);
        Assert.StartsWith("line 2:", problem.Body.GetProperty("errors")[0].GetProperty("field").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_array_body_streams_into_a_client_streaming_call_one_message_per_element_even_split_across_reads()
    {
        using var content = new TrickledBody(" [ {\"text\":\"a\"}, {\"text\":\"b}]\"} ,{\"text\":\"c\", \"count\": 2} ]\n", "application/json", chunk: 3);
        using var response = await stack.Gateway.Http.PostAsync("/v1/stream:collect", content);

        var reply = await JsonReply.ReadAsync(response);
        Assert.Equal(200, reply.Status);
        Assert.Equal("a+b}]+c", reply.Text("text"));
        Assert.Equal(3, reply.Body.GetProperty("index").GetInt32());
    }

    [Theory]
    [InlineData("[{\"text\":\"a\"},{\"nope\":1}]", "Element 2 of the request body is invalid")]
    [InlineData("[{\"text\":\"a\"}, 7]", "The request body is not a JSON array of messages: an element is Number")]
    [InlineData("[{\"text\":\"a\"},", "The request body is not a JSON array of messages")]
    [InlineData("[{\"text\":\"a\"}] [{}]", "The request body is not a JSON array of messages: something follows the array")]
    public async Task A_broken_array_body_is_a_400_that_says_what_is_wrong(string body, string detail)
    {
        using var response = await stack.Gateway.Http.PostAsync("/v1/stream:collect", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = (await JsonReply.ReadAsync(response)).AssertProblem(400, "INVALID_ARGUMENT");
        Assert.StartsWith(detail, problem.Text("detail"), StringComparison.Ordinal);
    }

    internal static List<(string? Id, string? Event, string Data)> ParseEvents(string text)
    {
        var events = new List<(string?, string?, string)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? id = null;
            string? name = null;
            var data = string.Empty;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }

            if (name is not null)
            {
                events.Add((id, name, data));
            }
        }

        return events;
    }
}
