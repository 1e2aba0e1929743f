using System.Net;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The reference's todo.v1 behaviour through the gateway, over real loopback sockets: REST client → gateway →
/// TaskService, the two in the test process. Each test uses its own titles, so they do not depend on each other's data.
/// </summary>
public sealed class TodoGatewayTests(TodoGatewayFixture fixture) : IClassFixture<TodoGatewayFixture>
{
    private InProcessGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Create_get_patch_delete_round_trip()
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"round trip","priority":"PRIORITY_HIGH","tags":["a-1"],"dueDate":"2099-01-02T03:04:05Z"}}""");
        Assert.Equal(200, created.Status);
        var name = created.Text("name");
        Assert.StartsWith("tasks/", name, StringComparison.Ordinal);
        Assert.Equal("STATUS_PENDING", created.Text("status"));
        Assert.Equal("2099-01-02T03:04:05Z", created.Text("dueDate"));
        Assert.False(created.Body.TryGetProperty("description", out _)); // proto3 JSON omits defaults

        var fetched = await SendAsync(HttpMethod.Get, "/v1/" + name);
        Assert.Equal(200, fetched.Status);
        Assert.Equal("round trip", fetched.Text("title"));

        var patched = await SendAsync(HttpMethod.Patch, $"/v1/{name}?updateMask=status,description", """{"status":"STATUS_IN_PROGRESS","description":"started","title":"ignored by the mask"}""");
        Assert.Equal(200, patched.Status);
        Assert.Equal("STATUS_IN_PROGRESS", patched.Text("status"));
        Assert.Equal("started", patched.Text("description"));
        Assert.Equal("round trip", patched.Text("title"));

        var deleted = await SendAsync(HttpMethod.Delete, "/v1/" + name);
        Assert.Equal(200, deleted.Status);
        (await SendAsync(HttpMethod.Get, "/v1/" + name)).AssertProblem(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Path_variable_wins_over_the_body_name()
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"path wins"}}""");
        var name = created.Text("name");

        var patched = await SendAsync(HttpMethod.Patch, $"/v1/{name}?updateMask=description", """{"name":"tasks/other","description":"x"}""");

        Assert.Equal(200, patched.Status);
        Assert.Equal(name, patched.Text("name"));
    }

    [Fact]
    public async Task List_pages_with_size_token_and_filter()
    {
        var batch = await SendAsync(HttpMethod.Post, "/v1/tasks:batchCreate", """
            {"requests":[
              {"task":{"title":"list-critical-1","priority":"PRIORITY_CRITICAL"}},
              {"task":{"title":"list-critical-2","priority":"PRIORITY_CRITICAL"}},
              {"task":{"title":"list-critical-3","priority":"PRIORITY_CRITICAL"}},
              {"task":{"title":"list-low","priority":"PRIORITY_LOW"}}]}
            """);
        Assert.Equal(200, batch.Status);
        Assert.Equal(4, batch.Body.GetProperty("tasks").GetArrayLength());

        var titles = new List<string>();
        string? token = null;
        do
        {
            var query = "/v1/tasks?page_size=2&filter=" + Uri.EscapeDataString("priority=CRITICAL") + (token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token));
            var page = await SendAsync(HttpMethod.Get, query);
            Assert.Equal(200, page.Status);
            Assert.Equal(3, page.Body.GetProperty("totalSize").GetInt32());
            titles.AddRange(page.Body.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("title").GetString()!));
            token = page.Body.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        Assert.Equal(["list-critical-1", "list-critical-2", "list-critical-3"], titles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Golden_validation_example_returns_every_violation()
    {
        var description = new string('x', 1001);
        var reply = await SendAsync(HttpMethod.Post, "/v1/tasks", $$$"""{"task":{"title":"","description":"{{{description}}}","tags":["INVALID TAG","tag-1","tag-1"]}}""");

        reply.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.Equal("The request contains 4 validation errors", reply.Text("detail"));
        Assert.Equal("/v1/tasks", reply.Text("instance"));
        var fields = reply.Body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["task.title", "task.description", "task.tags[0]", "task.tags[2]"], fields);
        Assert.Contains(reply.Body.GetProperty("details").EnumerateArray(), d => d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.BadRequest");
    }

    [Fact]
    public async Task Not_found_and_conflict_follow_the_reference()
    {
        var missing = await SendAsync(HttpMethod.Get, "/v1/tasks/non-existent-id");
        missing.AssertProblem(404, "NOT_FOUND");
        Assert.Equal("Task with ID 'non-existent-id' was not found.", missing.Text("detail"));

        Assert.Equal(200, (await SendAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"Existing Task Title"}}""")).Status);
        var conflict = await SendAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"Existing Task Title"}}""");
        conflict.AssertProblem(409, "ALREADY_EXISTS");
        Assert.Equal("Conflict creating task: A task with this title already exists", conflict.Text("detail"));
    }

    [Fact]
    public async Task Invalid_status_transition_is_failed_precondition()
    {
        var name = (await SendAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"transition"}}""")).Text("name");
        Assert.Equal(200, (await SendAsync(HttpMethod.Patch, $"/v1/{name}?updateMask=status", """{"status":"STATUS_IN_PROGRESS"}""")).Status);
        Assert.Equal(200, (await SendAsync(HttpMethod.Patch, $"/v1/{name}?updateMask=status", """{"status":"STATUS_COMPLETED"}""")).Status);

        var back = await SendAsync(HttpMethod.Patch, $"/v1/{name}?updateMask=status", """{"status":"STATUS_PENDING"}""");

        back.AssertProblem(400, "FAILED_PRECONDITION");
    }

    [Fact]
    public async Task Generated_method_route_reaches_every_method()
    {
        var created = await SendAsync(HttpMethod.Post, "/todo.v1.TaskService/CreateTask", """{"task":{"title":"via method route"}}""");
        Assert.Equal(200, created.Status);

        var fetched = await SendAsync(HttpMethod.Post, "/todo.v1.TaskService/GetTask", $$"""{"name":"{{created.Text("name")}}"}""");
        Assert.Equal("via method route", fetched.Text("title"));
    }

    [Theory]
    [InlineData("""{"task":{"title":"x"}""", "$")]
    [InlineData("""{"task":{"titel":"x"}}""", "$.task.titel")]
    [InlineData("""{"task":{"title":5}}""", "$.task.title")]
    [InlineData("""{"task":{"title":"x","status":"STATUS_BOGUS"}}""", "$.task.status")]
    [InlineData("""{"task":{"title":"x","dueDate":"tomorrow"}}""", "$.task.dueDate")]
    [InlineData("""{"task":{"title":"x","tags":"not-a-list"}}""", "$.task.tags")]
    public async Task Bad_json_is_a_400_naming_the_field(string body, string field)
    {
        var reply = await SendAsync(HttpMethod.Post, "/v1/tasks", body);

        reply.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.Equal("urn:strait:problem:invalid-request", reply.Text("type"));
        Assert.Equal(field, reply.Body.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("/v1/tasks?pageSize=99999999999", "page")]
    [InlineData("/v1/tasks?pageSize=1.5", "page")]
    [InlineData("/v1/tasks?colour=red", "colour")]
    [InlineData("/v1/tasks?pageSize=%zz", "%")]
    public async Task Bad_query_is_a_400_naming_the_parameter(string path, string mentioned)
    {
        var reply = await SendAsync(HttpMethod.Get, path);

        reply.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.Contains(mentioned, reply.Text("detail"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Bad_percent_encoding_in_the_path_is_a_400()
    {
        var reply = await SendAsync(HttpMethod.Get, "/v1/tasks/%E0%A4%A");

        reply.AssertProblem(400, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task Unknown_route_is_404_and_wrong_method_is_405_with_allow()
    {
        (await SendAsync(HttpMethod.Get, "/v2/nothing")).AssertProblem(404, "NOT_FOUND");

        var reply = await SendAsync(HttpMethod.Put, "/v1/tasks");

        reply.AssertProblem(405, "UNIMPLEMENTED");
        Assert.Equal("GET, POST", string.Join(", ", reply.Message.Content.Headers.Allow));
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        var huge = """{"task":{"title":"big","description":" """ + new string('x', 5 * 1024 * 1024) + "\"}}";

        var reply = await SendAsync(HttpMethod.Post, "/v1/tasks", huge);

        reply.AssertProblem(413, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task Non_json_content_type_is_415()
    {
        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Post, "/v1/tasks", "title=x", "application/x-www-form-urlencoded"));

        reply.AssertProblem(415, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task Request_id_is_echoed_and_used_in_problems()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/tasks/nope-404");
        request.Headers.Add("X-Request-ID", "req-abc-123");

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        Assert.Equal("req-abc-123", reply.Message.Headers.GetValues("x-request-id").Single());
        Assert.Equal("req-abc-123", reply.Text("requestId"));
    }

    [Fact]
    public async Task Injected_unavailable_becomes_503_with_retry_after()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/tasks");
        request.Headers.Add("Grpc-Metadata-X-Strait-Demo-Fail-Code", "UNAVAILABLE");

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        reply.AssertProblem(503, "UNAVAILABLE");
        Assert.Equal(TimeSpan.FromSeconds(30), reply.Message.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Malformed_chunked_body_is_a_400_not_a_500()
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(Gateway.Address.Host, Gateway.Address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync("POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"u8.ToArray());

        using var reader = new StreamReader(stream);
        var statusLine = await reader.ReadLineAsync();

        Assert.Equal("HTTP/1.1 400 Bad Request", statusLine);
    }

    [Fact]
    public async Task Head_is_served_by_the_get_route()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/v1/tasks");

        using var response = await Gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Grpc-Metadata-X-Request-Id")]
    [InlineData("Grpc-Metadata-X-Forwarded-For")]
    [InlineData("Grpc-Metadata-Authorization")]
    [InlineData("Grpc-Metadata-Grpc-Timeout")]
    public async Task Gateway_owned_metadata_cannot_be_forged_by_prefix(string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/tasks");
        request.Headers.Add(header, "forged");

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        reply.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.Contains(header, reply.Text("detail"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Client_disconnect_cancels_the_upstream_call()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/tasks");
        request.Headers.Add("Grpc-Metadata-X-Strait-Demo-Delay-Ms", "20000");
        request.Headers.Add("X-Request-ID", "cancel-me-1");
        using var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Gateway.Http.SendAsync(request, gone.Token));

        // The access line is written when the gateway gives up on the call, long before the backend's 20 s delay.
        var logged = Gateway.WaitForLogLineAsync(l => l.Contains("(request cancel-me-1)", StringComparison.Ordinal));
        var first = await Task.WhenAny(logged, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(first == logged, "the gateway kept waiting for the backend after the client left");
        Assert.Contains("→ 499 CANCELLED", await logged, StringComparison.Ordinal);
    }

    private async Task<JsonReply> SendAsync(HttpMethod method, string path, string? json = null) =>
        await JsonReply.ReadAsync(await Gateway.SendJsonAsync(method, path, json));
}
