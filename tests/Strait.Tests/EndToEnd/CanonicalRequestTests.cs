using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// An echo backend behind the gateway with extra HTTP rules that put path, query and body values into the same nested
/// messages. protobufjs keeps only the last occurrence of a message field on the wire, so anything but one canonical
/// message loses values on the way to the grpc-js backend; the Grpc.AspNetCore backend checks the same on the .NET stack.
/// </summary>
public abstract class CanonicalRequestFixture : IAsyncLifetime
{
    private const string Echo = "strait.echo.v1.EchoService.Echo";
    private BackendProcess? backend;
    private GatewayProcess? gateway;

    internal GatewayProcess Gateway => gateway!;

    public async Task InitializeAsync()
    {
        backend = await StartBackendAsync();
        var rules = new Dictionary<string, string>
        {
            ["STRAIT_HTTP__RULES__0__SELECTOR"] = Echo,
            ["STRAIT_HTTP__RULES__0__POST"] = "/v1/merge/{nested.label}/{outer.inner.label}",
            ["STRAIT_HTTP__RULES__0__BODY"] = "outer",
            ["STRAIT_HTTP__RULES__1__SELECTOR"] = Echo,
            ["STRAIT_HTTP__RULES__1__PATCH"] = "/v1/outer/{outer.title}/{outer.inner.count}",
            ["STRAIT_HTTP__RULES__1__BODY"] = "outer",
            ["STRAIT_HTTP__RULES__2__SELECTOR"] = Echo,
            ["STRAIT_HTTP__RULES__2__PUT"] = "/v1/pick/{outer.pick_text}",
            ["STRAIT_HTTP__RULES__2__BODY"] = "outer",
        };
        gateway = await GatewayProcess.StartAsync(rules, [.. SchemaArguments(), "--backend", backend.Address]);
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

    private protected abstract Task<BackendProcess> StartBackendAsync();

    private protected abstract string[] SchemaArguments();
}

/// <summary>@grpc/grpc-js + @grpc/proto-loader (protobufjs), the schema from echo.proto.</summary>
public sealed class GrpcJsCanonicalRequestFixture : CanonicalRequestFixture
{
    private protected override Task<BackendProcess> StartBackendAsync() => BackendProcess.StartNodeEchoAsync();

    private protected override string[] SchemaArguments()
    {
        var protos = Path.Combine(RepositoryPaths.NodeEcho, "protos");
        return ["--proto", Path.Combine(protos, "echo.proto"), "--proto-path", protos];
    }
}

/// <summary>Grpc.AspNetCore with Google.Protobuf, the schema from its server reflection.</summary>
public sealed class DotnetCanonicalRequestFixture : CanonicalRequestFixture
{
    private protected override Task<BackendProcess> StartBackendAsync() => BackendProcess.StartGrpcDotnetAsync();

    private protected override string[] SchemaArguments() => ["--reflect"];
}

public sealed class GrpcJsCanonicalRequestTests(GrpcJsCanonicalRequestFixture fixture)
    : CanonicalRequestTests(fixture), IClassFixture<GrpcJsCanonicalRequestFixture>;

public sealed class DotnetCanonicalRequestTests(DotnetCanonicalRequestFixture fixture)
    : CanonicalRequestTests(fixture), IClassFixture<DotnetCanonicalRequestFixture>;

/// <summary>What the echo backend received is exactly the message the client meant.</summary>
public abstract class CanonicalRequestTests(CanonicalRequestFixture fixture)
{
    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task Several_query_values_into_one_nested_message_all_arrive()
    {
        var reply = await EchoAsync(HttpMethod.Get, "/v1/echo/e-1?nested.label=Hello&nested.count=5&nested.notes=a&nested.notes=b", null);

        AssertJsonEqual("""{"id": "e-1", "nested": {"label": "Hello", "count": 5, "notes": ["a", "b"]}}""", reply);
    }

    [Fact]
    public async Task Path_query_and_body_merge_into_nested_messages_two_levels_deep()
    {
        var body = """{"title": "body-title", "inner": {"label": "from-body", "count": 3, "notes": ["i1"]}, "tags": {"k": "body", "kept": "yes"}}""";

        var reply = await EchoAsync(
            HttpMethod.Post,
            "/v1/merge/from-path/inner-path?nested.count=7&nested.notes=n1&nested.notes=n2&strings=s1&choiceText=picked&labels%5Bk%5D=v",
            body);

        // `nested` from the path and the query; `outer` from the body with the path's value two levels down winning.
        AssertJsonEqual("""
            {"nested": {"label": "from-path", "count": 7, "notes": ["n1", "n2"]},
             "outer": {"title": "body-title", "inner": {"label": "inner-path", "count": 3, "notes": ["i1"]}, "tags": {"k": "body", "kept": "yes"}},
             "strings": ["s1"], "choiceText": "picked", "labels": {"k": "v"}}
            """, reply);
    }

    [Fact]
    public async Task A_body_field_merges_with_path_values_inside_it()
    {
        var reply = await EchoAsync(HttpMethod.Patch, "/v1/outer/path-title/9?id=q", """{"title": "body-title", "inner": {"label": "l", "count": 1}}""");

        AssertJsonEqual("""{"id": "q", "outer": {"title": "path-title", "inner": {"label": "l", "count": 9}}}""", reply);
    }

    [Fact]
    public async Task Repeated_fields_maps_and_oneofs_from_the_query_alone()
    {
        var reply = await EchoAsync(
            HttpMethod.Get,
            "/v1/echo/e-2?strings=a&int64List=1&strings=b&int64List=-2&labels%5Bx%5D=1&labels%5By%5D=2&choiceText=t&outer.inner.label=deep&outer.title=top",
            null);

        AssertJsonEqual("""
            {"id": "e-2", "strings": ["a", "b"], "int64List": ["1", "-2"], "labels": {"x": "1", "y": "2"}, "choiceText": "t",
             "outer": {"title": "top", "inner": {"label": "deep"}}}
            """, reply);
    }

    [Fact]
    public async Task A_path_value_for_one_member_of_a_oneof_replaces_the_bodys_other_member()
    {
        var reply = await EchoAsync(HttpMethod.Put, "/v1/pick/chosen", """{"pickNumber": 5, "title": "t"}""");

        AssertJsonEqual("""{"outer": {"title": "t", "pickText": "chosen"}}""", reply);
    }

    private async Task<JsonElement> EchoAsync(HttpMethod method, string path, string? body)
    {
        var reply = await JsonReply.ReadAsync(await Gateway.SendJsonAsync(method, path, body));
        Assert.True(reply.Status == 200, $"{reply.Status}: {reply.Body}");
        return reply.Body.GetProperty("request");
    }

    private static void AssertJsonEqual(string expected, JsonElement actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        var actualNode = JsonNode.Parse(actual.GetRawText());
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"expected {expectedNode!.ToJsonString()}\nactual   {actualNode!.ToJsonString()}");
    }
}
