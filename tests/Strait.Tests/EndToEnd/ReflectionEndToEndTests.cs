using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Health.V1;
using Strait.Reflection;
using Strait.Schema;
using Strait.Wire;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// <c>strait serve --backend HOST:PORT --reflect</c> with no proto files, against the C# demo backend and a
/// @grpc/grpc-js backend using @grpc/reflection; and Strait's own reflection and health services, read by our client
/// and by @grpc/grpc-js with @grpc/reflection's protos.
/// </summary>
public sealed class ReflectionEndToEndTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private BackendProcess backend = null!;
    private GatewayProcess gateway = null!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartTaskServiceAsync();
        gateway = await GatewayProcess.StartAsync("--backend", backend.Address, "--reflect", "--http2-listen", "http://127.0.0.1:0");
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task Only_a_backend_address_serves_the_demos_annotated_REST_API()
    {
        var created = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"reflected","priority":"PRIORITY_HIGH"}}"""));
        Assert.Equal(200, created.Status);
        var name = created.Text("name");

        var fetched = await JsonReply.ReadAsync(await gateway.Http.GetAsync(new Uri("/v1/" + name, UriKind.Relative)));
        Assert.Equal((200, "reflected", "PRIORITY_HIGH"), (fetched.Status, fetched.Text("title"), fetched.Text("priority")));

        var invalid = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":""}}"""));
        invalid.AssertProblem(400, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task The_OpenAPI_document_of_the_reflected_schema_validates_and_matches_strait_openapi()
    {
        var result = await NodeClientInteropTests.RunClientAsync("validate-openapi.js", new Uri(gateway.Address, "/openapi.json").ToString());

        Assert.True(result.GetProperty("valid").GetBoolean(), result.GetProperty("errors").ToString());
        Assert.Equal("3.1", result.GetProperty("version").GetString());
        Assert.Contains("TaskService_CreateTask", result.GetProperty("operations").EnumerateArray().Select(o => o.GetString()));

        using var served = await gateway.Http.GetAsync(new Uri("/openapi.json", UriKind.Relative));
        var etag = served.Headers.ETag!;
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "/openapi.json") { Headers = { IfNoneMatch = { etag } } };
        Assert.Equal(HttpStatusCode.NotModified, (await gateway.Http.SendAsync(revalidate)).StatusCode);

        // The offline command writes the same document for the same schema.
        await using var command = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "openapi", "--backend", backend.Address, "--reflect"]);
        Assert.Equal(0, await command.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var offline = JsonDocument.Parse(command.Output[command.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        var online = JsonDocument.Parse(await served.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(online.ToString(), offline.ToString());
    }

    [Fact]
    public async Task Our_reflection_client_reads_everything_Strait_routes_from_Strait_itself()
    {
        using var client = new GrpcClient(gateway.Http2Address!);

        var schema = await ReflectionClient.FetchAsync(client, new HashSet<string>(), Timeout, CancellationToken.None);

        Assert.Equal(["todo.v1.TaskService"], schema.Services);
        var registry = SchemaLoader.Load([schema.Files]);
        var create = Assert.Single(registry.Services).FindMethodByName("CreateTask");
        Assert.Equal("/v1/tasks", SchemaRegistry.HttpRuleOf(create)!.Post);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha")]
    public async Task A_grpc_js_reflection_client_lists_and_describes_services_through_Strait(string edition)
    {
        var target = $"{gateway.Http2Address!.Host}:{gateway.Http2Address.Port}";

        var result = await NodeClientInteropTests.RunClientAsync("reflection-client.js", target, edition, "todo.v1.TaskService", "todo.v1.Task", "grpc.health.v1.Health", "no.such.Service");

        Assert.Equal(
            ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "todo.v1.TaskService"],
            result.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        var described = result.GetProperty("described");
        var methods = described.GetProperty("todo.v1.TaskService").GetProperty("services").GetProperty("todo.v1.TaskService");
        Assert.Contains("CreateTask", methods.EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("google/api/annotations.proto", described.GetProperty("todo.v1.Task").GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.True(described.GetProperty("grpc.health.v1.Health").GetProperty("services").TryGetProperty("grpc.health.v1.Health", out _));
        Assert.Equal((int)GrpcStatusCode.NotFound, described.GetProperty("no.such.Service").GetProperty("error").GetInt32());
    }

    [Fact]
    public async Task Strait_answers_health_checks_for_itself_and_for_each_routed_service()
    {
        using var client = new GrpcClient(gateway.Http2Address!);

        async Task<(GrpcStatusCode Code, HealthCheckResponse.Types.ServingStatus Status)> CheckAsync(string service)
        {
            var result = await client.InvokeUnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = service }.ToByteArray(), deadlineUtc: DateTime.UtcNow + Timeout);
            return (result.Status.Code, result.Status.Code == GrpcStatusCode.Ok ? HealthCheckResponse.Parser.ParseFrom(result.Message.Span).Status : default);
        }

        Assert.Equal((GrpcStatusCode.Ok, HealthCheckResponse.Types.ServingStatus.Serving), await CheckAsync(string.Empty));
        Assert.Equal((GrpcStatusCode.Ok, HealthCheckResponse.Types.ServingStatus.Serving), await CheckAsync("todo.v1.TaskService"));
        Assert.Equal(GrpcStatusCode.NotFound, (await CheckAsync("no.such.Service")).Code);

        await using var watch = client.StartCall("/grpc.health.v1.Health/Watch", deadlineUtc: DateTime.UtcNow + Timeout);
        await watch.WriteMessageAsync(new HealthCheckRequest { Service = "todo.v1.TaskService" }.ToByteArray());
        await watch.CompleteRequestAsync();
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, HealthCheckResponse.Parser.ParseFrom(watch.Current.Span).Status);
    }

    [Fact]
    public async Task Only_a_grpc_js_backend_address_serves_its_annotated_REST_API()
    {
        var directory = Directory.CreateTempSubdirectory("strait-node-reflect-");
        try
        {
            // @grpc/reflection answers with what it is given: protoc's descriptor set of the protos the backend serves.
            var protos = Path.Combine(RepositoryPaths.NodeEcho, "protos");
            var set = ProtocCompiler.Locate().Compile(
                [Path.Combine(protos, "echo.proto"), Path.Combine(protos, "stream.proto")],
                [protos, Path.Combine(RepositoryPaths.Root, "protos"), Path.Combine(RepositoryPaths.Root, "tests", "Strait.Tests", "Protos")]);
            var setFile = Path.Combine(directory.FullName, "echo.pb");
            await File.WriteAllBytesAsync(setFile, set.ToByteArray());
            await using var node = await BackendProcess.StartNodeEchoAsync(new BackendOptions { Arguments = ["--descriptor-set", setFile] });
            await using var nodeGateway = await GatewayProcess.StartAsync("--backend", node.Address, "--reflect");

            var posted = await JsonReply.ReadAsync(await nodeGateway.SendJsonAsync(HttpMethod.Post, "/v1/echo", """{"id":"r1","int64Value":"9007199254740993"}"""));
            Assert.Equal(200, posted.Status);
            Assert.Equal("9007199254740993", posted.Body.GetProperty("request").GetProperty("int64Value").GetString());
            var fetched = await JsonReply.ReadAsync(await nodeGateway.Http.GetAsync(new Uri("/v1/echo/abc", UriKind.Relative)));
            Assert.Equal((200, "abc"), (fetched.Status, fetched.Body.GetProperty("request").GetProperty("id").GetString()));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_grpc_js_backend_whose_reflection_protobufjs_built_serves_its_method_routes()
    {
        // Without --descriptor-set the files are protobufjs's: made-up names, no imports, the well-known types copied,
        // and no HTTP rules. Strait repairs the imports, so the generated routes work; REST routes need http.rules.
        await using var node = await BackendProcess.StartNodeEchoAsync();
        await using var nodeGateway = await GatewayProcess.StartAsync("--backend", node.Address, "--reflect");

        var echoed = await JsonReply.ReadAsync(await nodeGateway.SendJsonAsync(
            HttpMethod.Post,
            "/strait.echo.v1.EchoService/Echo",
            """{"id":"pbjs","int64Value":"9007199254740993","timestamp":"2026-01-01T00:00:00Z","labels":{"a":"b"},"color":"COLOR_RED"}"""));

        Assert.Equal(200, echoed.Status);
        var request = echoed.Body.GetProperty("request");
        Assert.Equal(("9007199254740993", "2026-01-01T00:00:00Z", "b", "COLOR_RED"), (request.GetProperty("int64Value").GetString(), request.GetProperty("timestamp").GetString(), request.GetProperty("labels").GetProperty("a").GetString(), request.GetProperty("color").GetString()));
        Assert.Equal(404, (await JsonReply.ReadAsync(await nodeGateway.SendJsonAsync(HttpMethod.Post, "/v1/echo", "{}"))).Status);
    }

    [Fact]
    public async Task Reflection_and_the_API_document_can_be_turned_off_or_kept_to_some_networks()
    {
        var directory = Directory.CreateTempSubdirectory("strait-reflect-limits-");
        try
        {
            async Task<JsonElement> ReflectAsync(string gatewayServices)
            {
                var config = Path.Combine(directory.FullName, $"strait-{Guid.NewGuid():N}.yaml");
                await File.WriteAllTextAsync(config, $"""
                    http2Listen: http://127.0.0.1:0
                    backend:
                      addresses: ["{backend.Address}"]
                      reflection: true
                    gatewayServices:
                    {gatewayServices}
                    """);
                await using var limited = await GatewayProcess.StartAsync("--config", config);
                return await NodeClientInteropTests.RunClientAsync("reflection-client.js", $"{limited.Http2Address!.Host}:{limited.Http2Address.Port}", "v1");
            }

            var off = await ReflectAsync("  reflection: false");
            Assert.Equal((int)GrpcStatusCode.Unimplemented, off.GetProperty("error").GetProperty("code").GetInt32());
            var elsewhere = await ReflectAsync("  reflectionAllowedNetworks: [\"10.0.0.0/8\"]");
            Assert.Equal((int)GrpcStatusCode.PermissionDenied, elsewhere.GetProperty("error").GetProperty("code").GetInt32());
            var loopback = await ReflectAsync("  reflectionAllowedNetworks: [\"127.0.0.0/8\"]");
            Assert.Contains("todo.v1.TaskService", loopback.GetProperty("services").EnumerateArray().Select(s => s.GetString()));

            var config = Path.Combine(directory.FullName, "openapi-limited.yaml");
            await File.WriteAllTextAsync(config, $"""
                backend:
                  addresses: ["{backend.Address}"]
                  reflection: true
                openApi:
                  allowedNetworks: ["10.0.0.0/8"]
                """);
            await using var limited = await GatewayProcess.StartAsync("--config", config);
            (await JsonReply.ReadAsync(await limited.Http.GetAsync(new Uri("/openapi.json", UriKind.Relative)))).AssertProblem(403, "PERMISSION_DENIED");
            Assert.Equal(HttpStatusCode.Forbidden, (await limited.Http.GetAsync(new Uri("/docs", UriKind.Relative))).StatusCode);
            // A path that only starts like the explorer's is an ordinary route.
            Assert.Equal(HttpStatusCode.NotFound, (await limited.Http.GetAsync(new Uri("/docsearch", UriKind.Relative))).StatusCode);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_backend_that_gives_no_schema_fails_startup_with_the_reason()
    {
        var config = Path.Combine(Path.GetTempPath(), $"strait-{Guid.NewGuid():N}.yaml");
        try
        {
            await File.WriteAllTextAsync(config, $"""
                backend:
                  addresses: ["127.0.0.1:1"]
                  reflection: true
                schema:
                  reflection:
                    startupTimeout: 00:00:01
                """);
            await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "serve", "--config", config, "--listen", "http://127.0.0.1:0"]);

            Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("strait: schema: no schema from cluster 'default' within schema.reflection.startupTimeout (00:00:01): http://127.0.0.1:1/: reflection call failed: Unavailable", process.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
