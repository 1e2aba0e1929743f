using System.Net;
using System.Text;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The node-echo backend (@grpc/grpc-js) behind a gateway configured with header rules: it reports the metadata it
/// received and adds reply headers and trailers (<c>x-server-version</c>, <c>processing-time</c>, and whatever
/// <c>echo-reply-header-*</c> / <c>echo-reply-trailer-*</c> metadata ask for).
/// </summary>
public sealed class HeaderMappingFixture : BackendBehindGatewayFixture
{
    internal string ConfigFile => BackendBehindGateway.ConfigFile(Directory);

    private protected override Task<BackendBehindGateway> StartAsync() => BackendBehindGateway.StartNodeEchoAsync(backend => $$"""
            schema:
              protos: ["{{Path.Combine(BackendBehindGateway.EchoProtos, "echo.proto")}}", "{{Path.Combine(BackendBehindGateway.EchoProtos, "stream.proto")}}"]
              protoPaths: ["{{BackendBehindGateway.EchoProtos}}"]
            backend:
              addresses: ["{{backend.Address}}"]
            http:
              rules:
                - selector: strait.echo.v1.EchoService.Echo
                  post: /v1/users
                  body: "*"
                - selector: strait.echo.v1.StreamService.ServerStream
                  get: "/v1/stream/{text}"
                - selector: strait.echo.v1.StreamService.ClientStream
                  post: "/v1/stream:collect"
                  body: "*"
            headers:
              gatewayOwned: [X-User-Id]
              maxMetadataSize: 2048
              maxHeaderCount: 40
              rules:
                - { httpHeader: Authorization, grpcMetadata: authorization }
                - { httpHeader: X-Request-ID, grpcMetadata: request-id }
                - { httpHeader: X-User-Role, grpcMetadata: user-role }
                - { httpHeader: X-Server-Version, grpcMetadata: x-server-version, direction: outgoing }
                - { httpHeader: X-Processing-Time, grpcMetadata: processing-time, direction: outgoing, target: header }
                - httpHeader: X-Tenant
                  required: true
                  transforms: [trim, lower]
                  scope: { routes: [/v1/echo] }
                - { httpHeader: X-Blob, grpcMetadata: blob-bin }
                - { httpHeader: X-Padding, grpcMetadata: padding }
                - { httpHeader: X-Want-Status, grpcMetadata: echo-reply-header-x-http-code }
                - { httpHeader: X-Want-Location, grpcMetadata: echo-reply-header-location }
                - { httpHeader: X-Want-Checksum, grpcMetadata: echo-reply-trailer-checksum }
                - { httpHeader: X-Checksum, grpcMetadata: checksum, direction: outgoing }
            """);
}

public sealed class HeaderMappingTests(HeaderMappingFixture fixture) : IClassFixture<HeaderMappingFixture>
{
    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task The_golden_scenario_crosses_both_ways_through_grpc_js()
    {
        using var request = Post("/v1/users", ("Authorization", "Bearer abc123"), ("X-Request-ID", "req-456"), ("X-User-Role", "admin"));

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        Assert.Equal(200, reply.Status);
        var metadata = reply.Body.GetProperty("metadata");
        Assert.Equal("Bearer abc123", metadata.GetProperty("authorization").GetString());
        Assert.Equal("req-456", metadata.GetProperty("request-id").GetString());
        Assert.Equal("admin", metadata.GetProperty("user-role").GetString());
        Assert.Equal("req-456", metadata.GetProperty("x-request-id").GetString());
        Assert.Equal("node-echo/1.0", reply.Message.Headers.GetValues("X-Server-Version").Single());
        Assert.EndsWith("ms", reply.Message.Headers.GetValues("X-Processing-Time").Single(), StringComparison.Ordinal);
        Assert.Equal("req-456", reply.Message.Headers.GetValues("X-Request-ID").Single());
    }

    [Theory]
    [InlineData("close, X-User-Role")]
    [InlineData("X-User-Role, keep-alive")]
    [InlineData("Upgrade, X-User-Role")]
    [InlineData("X-User-Role")]
    public async Task A_header_the_Connection_header_names_never_crosses_whatever_else_it_lists(string connection)
    {
        // Raw HTTP/1.1: Kestrel itself rewrites "close, X-User-Role" to "close" before the gateway sees the headers.
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(Gateway.Address.Host, Gateway.Address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: {connection}\r\nX-User-Role: admin\r\nX-Request-ID: hop-1\r\n\r\n{{}}"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal("HTTP/1.1 200 OK", await reader.ReadLineAsync());
        string? line;
        var contentLength = 0;
        while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var body = new char[contentLength];
        await reader.ReadBlockAsync(body);
        using var reply = System.Text.Json.JsonDocument.Parse(new string(body));

        var metadata = reply.RootElement.GetProperty("metadata");
        Assert.Equal("hop-1", metadata.GetProperty("request-id").GetString());
        Assert.False(metadata.TryGetProperty("user-role", out _), metadata.ToString());
    }

    [Fact]
    public async Task Headers_no_rule_names_stay_at_the_edge()
    {
        using var request = Post("/v1/users", ("X-Unmapped", "secret"), ("Grpc-Metadata-Tenant", "acme"), ("Cookie", "session=1"));

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        var metadata = reply.Body.GetProperty("metadata");
        Assert.False(metadata.TryGetProperty("x-unmapped", out _));
        Assert.False(metadata.TryGetProperty("tenant", out _));
        Assert.False(metadata.TryGetProperty("cookie", out _));
        Assert.False(reply.Message.Headers.Contains("Grpc-Metadata-x-server-version"));
    }

    [Fact]
    public async Task A_scoped_required_header_is_a_400_on_its_routes_only()
    {
        var missing = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(Post("/v1/echo")));
        var present = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(Post("/v1/echo", ("X-Tenant", "  ACME "))));
        var elsewhere = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(Post("/v1/users")));

        missing.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.Equal("urn:strait:problem:missing-header", missing.Text("type"));
        Assert.Contains("X-Tenant", missing.Text("detail"), StringComparison.Ordinal);
        Assert.Equal("acme", present.Body.GetProperty("metadata").GetProperty("x-tenant").GetString());
        Assert.Equal(200, elsewhere.Status);
    }

    [Theory]
    [InlineData("X-User-Role", "tab\there", 400, "printable ASCII")]
    [InlineData("X-Blob", "%%%", 400, "base64")]
    [InlineData("X-User-Id", "forged", 400, "set by the gateway")]
    public async Task Bad_header_input_is_a_4xx_problem_naming_the_header(string header, string value, int status, string detail)
    {
        using var request = Post("/v1/users");
        request.Headers.TryAddWithoutValidation(header, value);

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        Assert.Equal(status, reply.Status);
        Assert.Contains(header, reply.Text("detail"), StringComparison.Ordinal);
        Assert.Contains(detail, reply.Text("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_metadata_is_a_400_and_too_many_headers_a_431()
    {
        var oversized = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(Post("/v1/users", ("X-Padding", new string('p', 3000)))));
        using var crowded = Post("/v1/users");
        // Below Kestrel's own limit of 100 header lines, so Strait's maxHeaderCount (40) answers.
        for (var i = 0; i < 50; i++)
        {
            crowded.Headers.Add($"X-Extra-{i}", "1");
        }

        var tooMany = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(crowded));

        Assert.Equal(400, oversized.Status);
        Assert.Equal("urn:strait:problem:metadata-too-large", oversized.Text("type"));
        Assert.Equal(431, tooMany.Status);
        Assert.Equal("urn:strait:problem:request-header-fields-too-large", tooMany.Text("type"));
    }

    [Fact]
    public async Task The_backend_sets_201_and_Location_through_metadata()
    {
        using var request = Post("/v1/users", ("X-Want-Status", "201"), ("X-Want-Location", "/v1/users/7"));

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        Assert.Equal(201, reply.Status);
        Assert.Equal("/v1/users/7", reply.Message.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_204_from_the_backend_has_no_body()
    {
        using var response = await Gateway.Http.SendAsync(Post("/v1/users", ("X-Want-Status", "204")));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Trailers_become_prefixed_headers_over_http1()
    {
        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(Post("/v1/users", ("X-Want-Checksum", "c0ffee"))));

        Assert.Equal("c0ffee", reply.Message.Headers.GetValues("Grpc-Trailer-X-Checksum").Single());
    }

    [Fact]
    public async Task Trailers_are_real_http2_trailers_when_the_client_sends_TE_trailers()
    {
        var environment = new Dictionary<string, string> { ["STRAIT_LISTENPROTOCOLS"] = "http2" };
        await using var h2 = await GatewayProcess.StartAsync(environment, "--config", fixture.ConfigFile);
        using var client = new HttpClient { BaseAddress = h2.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = Post("/v1/users", ("X-Want-Checksum", "c0ffee"));
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        request.Headers.TE.ParseAdd("trailers");

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("c0ffee", response.TrailingHeaders.GetValues("X-Checksum").Single());
        Assert.False(response.Headers.Contains("Grpc-Trailer-X-Checksum"));
    }

    [Fact]
    public async Task A_streams_reply_headers_map_as_it_starts_and_its_trailers_cannot_follow_over_http1()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/tick?count=2");
        request.Headers.Add("X-Want-Checksum", "c0ffee");

        using var response = await Gateway.Http.SendAsync(request);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, lines.Length);
        Assert.Equal("node-echo/1.0", response.Headers.GetValues("X-Server-Version").Single());
        Assert.False(response.Headers.Contains("Grpc-Trailer-X-Checksum"));
    }

    [Fact]
    public async Task A_stream_answers_200_whatever_x_http_code_says_but_an_empty_stream_takes_it_as_a_unary_reply_does()
    {
        async Task<HttpResponseMessage> StreamAsync(int count, string status)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/stream/tick?count={count}");
            request.Headers.Add("X-Want-Status", status);
            return await Gateway.Http.SendAsync(request);
        }

        using var streamed = await StreamAsync(2, "201");
        using var empty = await StreamAsync(0, "201");
        using var noContent = await StreamAsync(0, "204");

        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Equal(2, (await streamed.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(HttpStatusCode.Created, empty.StatusCode);
        Assert.Equal("application/x-ndjson", empty.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NoContent, noContent.StatusCode);
        Assert.Empty(await noContent.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_streams_trailers_are_real_http2_trailers_after_its_last_message()
    {
        var environment = new Dictionary<string, string> { ["STRAIT_LISTENPROTOCOLS"] = "http2" };
        await using var h2 = await GatewayProcess.StartAsync(environment, "--config", fixture.ConfigFile);
        using var client = new HttpClient { BaseAddress = h2.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/tick?count=2") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Add("X-Want-Checksum", "c0ffee");
        request.Headers.TE.ParseAdd("trailers");

        using var response = await client.SendAsync(request);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, lines.Length);
        Assert.Equal("node-echo/1.0", response.Headers.GetValues("X-Server-Version").Single());
        Assert.Equal("c0ffee", response.TrailingHeaders.GetValues("X-Checksum").Single());
    }

    [Fact]
    public async Task A_client_streaming_reply_maps_its_metadata_and_success_status_as_a_unary_reply_does()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/stream:collect")
        {
            Content = new StringContent("{\"text\":\"a\"}\n{\"text\":\"b\"}\n", Encoding.UTF8, "application/x-ndjson"),
        };
        request.Headers.Add("X-Want-Checksum", "c0ffee");
        request.Headers.Add("X-Want-Status", "201");
        request.Headers.Add("X-Want-Location", "/v1/collections/7");

        var reply = await JsonReply.ReadAsync(await Gateway.Http.SendAsync(request));

        Assert.Equal(201, reply.Status);
        Assert.Equal("a+b", reply.Body.GetProperty("text").GetString());
        Assert.Equal("/v1/collections/7", reply.Message.Headers.Location?.OriginalString);
        Assert.Equal("node-echo/1.0", reply.Message.Headers.GetValues("X-Server-Version").Single());
        Assert.Equal("c0ffee", reply.Message.Headers.GetValues("Grpc-Trailer-X-Checksum").Single());
    }

    [Fact]
    public async Task Strait_validate_reports_each_bad_rule_with_its_location()
    {
        var bad = Path.Combine(Path.GetDirectoryName(fixture.ConfigFile)!, "bad.yaml");
        File.WriteAllText(bad, File.ReadAllText(fixture.ConfigFile).Replace("transforms: [trim, lower]", "transforms: [trim, shout]", StringComparison.Ordinal)
            + "\n    - { httpHeader: X-Request-ID, grpcMetadata: request-id }\n");

        await using var invalid = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "validate", "--config", bad]);
        var exit = await invalid.WaitForExitAsync(TimeSpan.FromSeconds(60));
        await using var valid = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "validate", "--config", fixture.ConfigFile]);
        var goodExit = await valid.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var output = invalid.Output;
        var goodOutput = valid.Output;

        Assert.Equal(2, exit);
        // Each problem names the file, the line and column of the offending YAML node, and the configuration key.
        Assert.Matches(@"bad\.yaml:28:\d+: headers\.rules\[5\]\.transforms\[1\]: unknown transform 'shout'", output);
        Assert.Matches(@"bad\.yaml:36:7: headers\.rules\[12\]: duplicates headers\.rules\[1\]", output);
        Assert.Equal(0, goodExit);
        Assert.Contains("configuration is valid", goodOutput, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Post(string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
