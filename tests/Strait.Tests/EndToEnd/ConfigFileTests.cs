using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>`strait serve --config` with YAML and JSON files, the options they carry, and their errors.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private static readonly string TodoProto = Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos", "todo.proto");
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("strait-config-tests-");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public async Task Yaml_options_shape_the_json_and_errors()
    {
        await using var backend = await BackendProcess.StartTaskServiceAsync();
        var config = Write("strait.yaml", $"""
            schema:
              protos: ["{TodoProto}"]
            backend:
              addresses: ["{backend.Address}"]
            http:
              rules:
                - selector: todo.v1.TaskService.ListTasks
                  get: /v2/all-tasks
            json:
              useProtoFieldNames: true
              emitUnpopulated: true
            errors:
              format: google-rpc-status
            """);
        await using var gateway = await GatewayProcess.StartAsync("--config", config);

        var created = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"configured"}}"""));
        Assert.Equal(200, created.Status);
        Assert.True(created.Body.TryGetProperty("create_time", out _));
        Assert.Equal(string.Empty, created.Text("description"));

        var listed = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Get, "/v2/all-tasks", null));
        Assert.Equal(1, listed.Body.GetProperty("total_size").GetInt32());

        var missing = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Get, "/v1/tasks/none", null));
        Assert.Equal(404, missing.Status);
        Assert.Equal("application/json", missing.ContentType);
        Assert.Equal(5, missing.Body.GetProperty("code").GetInt32());
        Assert.Equal("Task with ID 'none' was not found.", missing.Text("message"));
    }

    [Fact]
    public async Task Json_config_works_and_environment_overrides_it()
    {
        await using var backend = await BackendProcess.StartTaskServiceAsync();
        var config = Write("strait.json", $$$"""
            {"schema": {"protos": ["{{{TodoProto}}}"]}, "backend": {"addresses": ["127.0.0.1:1"]}}
            """);
        var environment = new Dictionary<string, string> { ["STRAIT_BACKEND__ADDRESSES__0"] = backend.Address };
        await using var gateway = await GatewayProcess.StartAsync(environment, "--config", config);

        var listed = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Get, "/v1/tasks", null));

        Assert.Equal(200, listed.Status);
    }

    [Fact]
    public async Task A_rule_with_a_response_body_answers_with_that_field_alone()
    {
        await using var backend = await BackendProcess.StartTaskServiceAsync();
        var config = Write("strait.yaml", $$"""
            schema:
              protos: ["{{TodoProto}}"]
            backend:
              addresses: ["{{backend.Address}}"]
            http:
              rules:
                - selector: todo.v1.TaskService.GetTask
                  get: /v1/{name=tasks/*}/title
                  responseBody: title
                  additionalBindings:
                    - get: /v1/{name=tasks/*}/description
                      responseBody: description
                    - get: /v1/{name=tasks/*}/due
                      responseBody: due_date
                - selector: todo.v1.TaskService.ListTasks
                  get: /v2/task-list
                  responseBody: tasks
            """);
        await using var gateway = await GatewayProcess.StartAsync("--config", config);
        var created = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Post, "/v1/tasks", """{"task":{"title":"only the title"}}"""));
        var name = created.Text("name");

        Assert.Equal("\"only the title\"", await BodyAsync(gateway, $"/v1/{name}/title"));
        // Absent fields: one without presence is its default, a message field is null.
        Assert.Equal("\"\"", await BodyAsync(gateway, $"/v1/{name}/description"));
        Assert.Equal("null", await BodyAsync(gateway, $"/v1/{name}/due"));
        var tasks = JsonDocument.Parse(await BodyAsync(gateway, "/v2/task-list")).RootElement;
        Assert.Equal(JsonValueKind.Array, tasks.ValueKind);
        Assert.Equal(name, Assert.Single(tasks.EnumerateArray()).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("backend:\n  adresses: [\"a:1\"]\n", "adresses")]
    [InlineData("json:\n  maxDepth: lots\n", "lots")]
    [InlineData("json:\n  maxResponseDepth: 0\n", "json.maxResponseDepth")]
    [InlineData("errors:\n  format: xml\n", "errors.format")]
    [InlineData("schema: [unclosed\n", "strait.yaml")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\n  lbPolicy: fastest\n", "strait.yaml:5:13: backend.lbPolicy: 'fastest' is not a policy")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\n  healthCheck:\n    interval: 00:00:00\n", "backend.healthCheck.interval: must be positive")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nclusters:\n  echo:\n    addresses: [\"127.0.0.1:2\"]\n    services: [nope.v1.Nope]\n", "clusters.echo.services[0]: 'nope.v1.Nope' names no service")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\n  dns:\n    servers: [\"not-an-ip\"]\n", "backend.dns.servers[0]")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nadmin:\n  listen: ftp://x\n", "admin.listen")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nadmin:\n  listen: http://127.0.0.1:0\n  token: short\n", "admin.token")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nadmin:\n  listen: http://127.0.0.1:0\n  allowedHosts: [\"http://admin.example:9901\"]\n", "admin.allowedHosts[0]")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nadmin:\n  listen: http://127.0.0.1:0\n  tokenFile: /nonexistent/strait-admin-token\n", "admin.tokenFile '/nonexistent/strait-admin-token' cannot be read")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nresilience:\n  default:\n    retry:\n      maxAttempts: 9\n", "strait.yaml:8:20: resilience.default.retry.maxAttempts: must be between 2 and 5")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nrateLimits:\n  perKey:\n    key: cookie\n", "strait.yaml:7:10: rateLimits.perKey.key: 'cookie' is not global")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\n  retryBudget:\n    ratio: -1\n", "backend.retryBudget.ratio: must be between 0 and 10")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nresilience:\n  idempotencyStore:\n    kind: redis\n", "resilience.idempotencyStore.kind: 'redis' is not memory or postgres")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nstreaming:\n  envelope: wrapped\n", "streaming.envelope")]
    [InlineData("backend:\n  addresses: [\"127.0.0.1:1\"]\nstreaming:\n  requestBodyIdleTimeout: 00:00:00.010\n", "streaming.requestBodyIdleTimeout")]
    public async Task Bad_configuration_exits_2_naming_the_problem(string yaml, string mentioned)
    {
        var config = Write("strait.yaml", $"schema:\n  protos: [\"{TodoProto}\"]\n" + (yaml.StartsWith("schema", StringComparison.Ordinal) ? string.Empty : yaml));
        if (yaml.StartsWith("schema", StringComparison.Ordinal))
        {
            File.WriteAllText(config, yaml);
        }

        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "serve", "--config", config]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(mentioned, process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("validate")]
    public async Task Errors_in_every_section_are_reported_at_once_each_with_its_place(string command)
    {
        var config = Write("strait.yaml", $"""
            schema:
              protos: ["{TodoProto}"]
            backend:
              addresses: ["127.0.0.1:1"]
              lbPolicy: fastest
            json:
              maxDepth: 0
            errors:
              format: xml
            streaming:
              envelope: wrapped
            headers:
              mode: magic
            admin:
              listen: http://127.0.0.1:0
              token: short
            rateLimits:
              perKey:
                key: cookie
            resilience:
              default:
                retry:
                  maxAttempts: 9
            """);

        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, command, "--config", config]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        string[] expected =
        [
            $"strait: {config}:5:13: backend.lbPolicy: 'fastest' is not a policy",
            $"strait: {config}:7:13: json.maxDepth: must be between 1 and 1000",
            $"strait: {config}:9:11: errors.format: is 'xml'; use 'problem' or 'google-rpc-status'",
            $"strait: {config}:11:13: streaming.envelope: is 'wrapped'; use 'none' or 'result'",
            $"strait: {config}:13:9: headers.mode: 'magic' is not a mode",
            $"strait: {config}:16:10: admin.token: is shorter than 16 characters",
            $"strait: {config}:19:10: rateLimits.perKey.key: 'cookie' is not global",
            $"strait: {config}:23:20: resilience.default.retry.maxAttempts: must be between 2 and 5",
        ];
        var missing = expected.Where(line => !process.Output.Contains(line, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"missing:{Environment.NewLine}{string.Join(Environment.NewLine, missing)}{Environment.NewLine}in:{Environment.NewLine}{process.Output}");
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_that_need_the_schema_are_reported_at_once_too()
    {
        var config = Write("strait.yaml", $"""
            schema:
              protos: ["{TodoProto}"]
            http:
              rules:
                - selector: todo.v1.TaskService.Nope
                  get: /v2/nope
            clusters:
              echo:
                addresses: ["127.0.0.1:2"]
                services: [nope.v1.Nope]
            rateLimits:
              scoped:
                methods: [todo.v1.TaskService.Missing]
            """);

        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "validate", "--config", config]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"strait: {config}:5:5: http.rules: selector 'todo.v1.TaskService.Nope' names no method", process.Output, StringComparison.Ordinal);
        Assert.Contains($"strait: {config}:10:16: clusters.echo.services[0]: 'nope.v1.Nope' names no service", process.Output, StringComparison.Ordinal);
        Assert.Contains($"strait: {config}:13:15: rateLimits.scoped.methods[0]: 'todo.v1.TaskService.Missing' names no method", process.Output, StringComparison.Ordinal);
    }

    private static async Task<string> BodyAsync(GatewayProcess gateway, string path)
    {
        using var response = await gateway.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return body;
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(directory.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }
}
