using System.Text.Json;
using Strait.Configuration;
using Strait.Gateway;

namespace Strait.Tests.OpenApi;

/// <summary>The OpenAPI document Strait generates for the todo demo and the echo protos (their comments included).</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly Lazy<JsonElement> Document = new(() => Generate(new StraitOptions()));

    [Fact]
    public void Paths_come_from_every_binding_with_multi_segment_variables_spelled_out()
    {
        var paths = Document.Value.GetProperty("paths");

        Assert.True(paths.TryGetProperty("/v1/tasks:batchCreate", out var batch) && batch.TryGetProperty("post", out _));
        var get = paths.GetProperty("/v1/tasks/{name}").GetProperty("get");
        Assert.Equal("TaskService_GetTask", get.GetProperty("operationId").GetString());
        var name = Assert.Single(get.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("in").GetString() == "path");
        Assert.Equal("name", name.GetProperty("name").GetString());
        Assert.True(paths.GetProperty("/v1/tasks/{name}").TryGetProperty("delete", out _));
        // {task.name=tasks/*} is the same path to OpenAPI, so it shares the parameter name; its description tells.
        Assert.False(paths.TryGetProperty("/v1/tasks/{task.name}", out _));
        var patch = paths.GetProperty("/v1/tasks/{name}").GetProperty("patch");
        var taskName = Assert.Single(patch.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("in").GetString() == "path");
        Assert.Equal("name", taskName.GetProperty("name").GetString());
        Assert.Contains("`task.name`", taskName.GetProperty("description").GetString(), StringComparison.Ordinal);
        // Echo's annotation and its additional binding, each an operation.
        Assert.Equal("EchoService_Echo", paths.GetProperty("/v1/echo").GetProperty("post").GetProperty("operationId").GetString());
        Assert.Equal("EchoService_Echo2", paths.GetProperty("/v1/echo/{id}").GetProperty("get").GetProperty("operationId").GetString());
    }

    [Fact]
    public void Query_parameters_are_the_fields_no_path_variable_or_body_binds()
    {
        var echo = Document.Value.GetProperty("paths").GetProperty("/v1/echo/{id}").GetProperty("get");
        var query = echo.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").ToDictionary(p => p.GetProperty("name").GetString()!);

        Assert.DoesNotContain("id", query.Keys);
        Assert.Equal("string", query["int64Value"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("array", query["int64List"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Contains("nested.label", query.Keys);
        Assert.DoesNotContain("labels", query.Keys);
        Assert.Equal("#/components/schemas/google.protobuf.Timestamp", query["timestamp"].GetProperty("schema").GetProperty("$ref").GetString());

        var list = Document.Value.GetProperty("paths").GetProperty("/v1/tasks").GetProperty("get");
        Assert.Equal(["pageSize", "pageToken", "filter", "orderBy"], list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.False(Document.Value.GetProperty("paths").GetProperty("/v1/tasks").GetProperty("post").GetProperty("parameters").EnumerateArray().Any());
    }

    [Fact]
    public void Messages_are_in_their_proto3_JSON_form()
    {
        var schemas = Document.Value.GetProperty("components").GetProperty("schemas");
        var request = schemas.GetProperty("strait.echo.v1.EchoRequest").GetProperty("properties");

        Assert.Equal(("string", "int64"), TypeOf(request.GetProperty("int64Value")));
        Assert.Equal(("string", "uint64"), TypeOf(request.GetProperty("uint64Value")));
        Assert.Equal(("integer", "int32"), TypeOf(request.GetProperty("int32Value")));
        Assert.Equal(("string", "byte"), TypeOf(request.GetProperty("bytesValue")));
        Assert.Equal("#/components/schemas/strait.echo.v1.Color", request.GetProperty("color").GetProperty("$ref").GetString());
        Assert.Equal(["COLOR_UNSPECIFIED", "COLOR_RED", "COLOR_GREEN", "COLOR_BLUE"], schemas.GetProperty("strait.echo.v1.Color").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("object", request.GetProperty("labels").GetProperty("type").GetString());
        Assert.Equal("#/components/schemas/strait.echo.v1.Nested", request.GetProperty("nestedById").GetProperty("additionalProperties").GetProperty("$ref").GetString());
        Assert.Equal(("string", "date-time"), TypeOf(schemas.GetProperty("google.protobuf.Timestamp")));
        Assert.Equal(["string", "null"], schemas.GetProperty("google.protobuf.Int64Value").GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        var number = request.GetProperty("doubleValue").GetProperty("anyOf");
        Assert.Equal(("number", "double"), TypeOf(number[0]));
        Assert.Equal(["NaN", "Infinity", "-Infinity"], number[1].GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains("at most one of `choiceText`, `choiceNumber` (oneof `choice`)", schemas.GetProperty("strait.echo.v1.EchoRequest").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(("string", "int64"), TypeOf(request.GetProperty("int64List").GetProperty("items")));
    }

    [Fact]
    public void Routes_of_custom_HTTP_methods_are_listed_apart_since_OpenAPI_has_no_place_for_them()
    {
        Assert.Equal(["LOCK /v1/echo:lock"], Document.Value.GetProperty("x-strait-unlisted-routes").EnumerateArray().Select(r => r.GetString()));
        Assert.False(Document.Value.GetProperty("paths").TryGetProperty("/v1/echo:lock", out _));
    }

    [Fact]
    public void Comments_become_descriptions_and_errors_are_problem_details()
    {
        var create = Document.Value.GetProperty("paths").GetProperty("/v1/tasks").GetProperty("post");

        Assert.StartsWith("Creates a task.", create.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("0 means the default (50)", Document.Value.GetProperty("components").GetProperty("schemas").GetProperty("todo.v1.ListTasksRequest").GetProperty("properties").GetProperty("pageSize").GetProperty("description").GetString(), StringComparison.Ordinal);
        var error = create.GetProperty("responses").GetProperty("default").GetProperty("content").GetProperty("application/problem+json");
        Assert.Equal("#/components/schemas/strait.Problem", error.GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Contains("grpcStatus", Document.Value.GetProperty("components").GetProperty("schemas").GetProperty("strait.Problem").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public void Streams_are_described_by_their_edge_forms()
    {
        var stream = Document.Value.GetProperty("paths").GetProperty("/v1/stream/{text}").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.Equal("#/components/schemas/strait.echo.v1.StreamReply", stream.GetProperty("application/x-ndjson").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(stream.TryGetProperty("text/event-stream", out _));

        var upload = Document.Value.GetProperty("paths").GetProperty("/v1/upload").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.True(upload.TryGetProperty("application/x-ndjson", out _));
    }

    [Fact]
    public void The_JSON_options_and_error_format_shape_the_document()
    {
        var options = new StraitOptions();
        options.Json.UseProtoFieldNames = true;
        options.Json.EnumsAsIntegers = true;
        options.Errors.Format = "google-rpc-status";
        options.OpenApi.Title = "Echo API";
        options.OpenApi.Version = "2.1.0";
        var document = Generate(options);

        Assert.Equal(("Echo API", "2.1.0"), (document.GetProperty("info").GetProperty("title").GetString(), document.GetProperty("info").GetProperty("version").GetString()));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("strait.echo.v1.EchoRequest").GetProperty("properties").TryGetProperty("int64_value", out _));
        Assert.Equal("integer", schemas.GetProperty("strait.echo.v1.Color").GetProperty("type").GetString());
        Assert.True(schemas.GetProperty("strait.Problem").GetProperty("properties").TryGetProperty("code", out _));
        Assert.True(document.GetProperty("paths").GetProperty("/v1/echo").GetProperty("post").GetProperty("responses").GetProperty("default").GetProperty("content").TryGetProperty("application/json", out _));
    }

    private static (string?, string?) TypeOf(JsonElement schema) =>
        (schema.GetProperty("type").GetString(), schema.TryGetProperty("format", out var format) ? format.GetString() : null);

    private static JsonElement Generate(StraitOptions options)
    {
        var echo = Path.Combine(RepositoryPaths.NodeEcho, "protos");
        var todo = Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos");
        options.Schema.Protos.AddRange([Path.Combine(todo, "todo.proto"), Path.Combine(echo, "echo.proto"), Path.Combine(echo, "stream.proto")]);
        options.Schema.ProtoPaths.AddRange([todo, echo, Path.Combine(RepositoryPaths.Root, "tests", "Strait.Tests", "Protos")]);
        options.Http.Rules.Add(new HttpRuleOptions { Selector = "strait.echo.v1.StreamService.ServerStream", Get = "/v1/stream/{text}" });
        options.Http.Rules.Add(new HttpRuleOptions { Selector = "strait.echo.v1.StreamService.ClientStream", Post = "/v1/upload", Body = "*" });
        options.Http.Rules.Add(new HttpRuleOptions { Selector = "strait.echo.v1.EchoService.Fail", Custom = "LOCK", Path = "/v1/echo:lock" });
        var runtime = GatewayRuntime.Create(StraitSettings.Validate(options, new ValidationContext { RequireBackend = false }));
        try
        {
            var snapshot = runtime.BuildSnapshot([]);
            return JsonDocument.Parse(snapshot.OpenApiDocument).RootElement.Clone();
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
