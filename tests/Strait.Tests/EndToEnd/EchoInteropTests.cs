using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strait.Tests.EndToEnd;

/// <summary>A backend on @grpc/grpc-js + @grpc/proto-loader (protobufjs), an implementation we did not write, behind the gateway process.</summary>
public sealed class EchoGatewayFixture : IAsyncLifetime
{
    private BackendProcess? backend;
    private GatewayProcess? gateway;

    internal GatewayProcess Gateway => gateway!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartNodeEchoAsync();
        // Only the echo proto's own folder: google/api and the well-known types come from Strait's bundled set.
        var protos = Path.Combine(RepositoryPaths.NodeEcho, "protos");
        // grpc-gateway header mode, so these tests also pin that mode's defaults against a backend we did not write.
        gateway = await GatewayProcess.StartAsync(
            new Dictionary<string, string> { ["STRAIT_HEADERS__MODE"] = "grpc-gateway" },
            "--proto",
            Path.Combine(protos, "echo.proto"),
            "--proto-path",
            protos,
            "--backend",
            backend.Address);
    }

    public async Task DisposeAsync()
    {
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        if (backend is not null)
        {
            await backend.DisposeAsync();
        }
    }
}

public sealed class EchoInteropTests(EchoGatewayFixture fixture) : IClassFixture<EchoGatewayFixture>
{
    // Every field set, written in canonical proto3 JSON, so the echo must come back byte-for-byte equal in meaning.
    internal const string EveryField = """
        {
          "id": "e-1",
          "int32Value": -42,
          "int64Value": "-9007199254740993",
          "uint64Value": "18446744073709551615",
          "sint32Value": -7,
          "fixed64Value": "12345678901234567",
          "doubleValue": 2.5e-10,
          "floatValue": 1.5,
          "boolValue": true,
          "bytesValue": "AAEC/f7/",
          "color": "COLOR_BLUE",
          "nested": {"label": "n", "count": 3, "notes": ["x", "y"]},
          "strings": ["a", "b"],
          "int64List": ["1", "-2", "9223372036854775807"],
          "labels": {"k1": "v1", "k2": "v2"},
          "nestedById": {"7": {"label": "seven"}, "-1": {"count": 1}},
          "choiceNumber": 99,
          "timestamp": "2024-02-29T12:34:56.789Z",
          "duration": "-1.500s",
          "fieldMask": "id,nested.label",
          "structValue": {"a": [1, "two", null, true], "b": {"c": 3.5}},
          "anyValue": [1, {"x": "y"}],
          "stringWrapper": "wrapped",
          "int64Wrapper": "-5",
          "optionalText": ""
        }
        """;

    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task Every_field_kind_survives_the_round_trip_through_grpc_js()
    {
        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Post, "/v1/echo", EveryField));

        Assert.Equal(200, reply.Status);
        AssertJsonEqual(EveryField, reply.Body.GetProperty("request"));
        Assert.Equal("/strait.echo.v1.EchoService/Echo", reply.Text("peerMethod"));
    }

    [Fact]
    public async Task Path_and_query_bind_into_the_request()
    {
        var query = "int32Value=5&strings=a&strings=b%20c&color=COLOR_GREEN&nested.label=deep&timestamp=2024-01-01T00:00:00Z"
            + "&duration=3s&stringWrapper=w&int64List=1&int64List=2&labels%5Bk%5D=v&boolValue=true&bytesValue=AQI";

        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Get, "/v1/echo/id%2Fwith%20space?" + query, null));

        Assert.Equal(200, reply.Status);
        AssertJsonEqual("""
            {"id": "id/with space", "int32Value": 5, "strings": ["a", "b c"], "color": "COLOR_GREEN", "nested": {"label": "deep"},
             "timestamp": "2024-01-01T00:00:00Z", "duration": "3s", "stringWrapper": "w", "int64List": ["1", "2"],
             "labels": {"k": "v"}, "boolValue": true, "bytesValue": "AQI="}
            """, reply.Body.GetProperty("request"));
    }

    [Fact]
    public async Task Headers_are_forwarded_as_grpc_gateway_does_in_its_mode()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/echo") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Authorization", "Bearer alice");
        request.Headers.Add("Grpc-Metadata-Tenant", "acme");
        request.Headers.Add("X-Request-ID", "echo-req-1");
        request.Headers.Add("X-Not-Forwarded", "secret");

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        var metadata = reply.Body.GetProperty("metadata");
        Assert.Equal("Bearer alice", metadata.GetProperty("authorization").GetString());
        Assert.Equal("Bearer alice", metadata.GetProperty("grpcgateway-authorization").GetString());
        Assert.Equal("acme", metadata.GetProperty("tenant").GetString());
        Assert.Equal("node-echo/1.0", reply.Message.Headers.GetValues("Grpc-Metadata-x-server-version").Single());
        Assert.Contains("ms", reply.Message.Headers.GetValues("Grpc-Trailer-processing-time").Single(), StringComparison.Ordinal);
        Assert.Equal("echo-req-1", metadata.GetProperty("x-request-id").GetString());
        Assert.Equal("127.0.0.1", metadata.GetProperty("x-forwarded-for").GetString());
        Assert.False(metadata.TryGetProperty("x-not-forwarded", out _));
        Assert.False(metadata.TryGetProperty("connection", out _));
    }

    [Fact]
    public async Task Invalid_metadata_header_is_a_400_naming_it()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/echo") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Grpc-Metadata-Trace-Bin", "***not base64***");

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        reply.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.Contains("Grpc-Metadata-Trace-Bin", reply.Text("detail"), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(5, 404, "NOT_FOUND")]
    [InlineData(3, 400, "INVALID_ARGUMENT")]
    [InlineData(7, 403, "PERMISSION_DENIED")]
    [InlineData(8, 429, "RESOURCE_EXHAUSTED")]
    [InlineData(9, 400, "FAILED_PRECONDITION")]
    [InlineData(10, 409, "ABORTED")]
    [InlineData(12, 501, "UNIMPLEMENTED")]
    [InlineData(13, 500, "INTERNAL")]
    [InlineData(14, 503, "UNAVAILABLE")]
    [InlineData(16, 401, "UNAUTHENTICATED")]
    public async Task Backend_status_maps_to_http_with_its_message(int code, int http, string name)
    {
        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(HttpMethod.Post, "/v1/echo:fail", $$"""{"code":{{code}},"message":"käse & 100% sure"}"""));

        reply.AssertProblem(http, name);
        Assert.Equal("käse & 100% sure", reply.Text("detail"));
    }

    internal static void AssertJsonEqual(string expected, JsonElement actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        var actualNode = JsonNode.Parse(actual.GetRawText());
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"expected {expectedNode!.ToJsonString()}\nactual   {actualNode!.ToJsonString()}");
    }
}
