using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Clients we did not write, calling the @grpc/grpc-js backend through Strait: @grpc/grpc-js over native gRPC (all
/// four shapes, errors, cancellation) and the <c>grpc-web</c> npm client in both its formats (unary, server
/// streaming, errors before and after the first message). The scripts live in samples/node-echo/clients.
/// </summary>
public sealed class NodeClientInteropTests : IAsyncLifetime
{
    private BackendBehindGateway stack = null!;

    public async Task InitializeAsync() => stack = await BackendBehindGateway.StartNodeEchoAsync("cors:\n  allowedOrigins: [\"*\"]");

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task A_grpc_js_client_calls_every_shape_through_the_gateway()
    {
        var results = await RunClientAsync("grpc-js-client.js", $"{stack.Gateway.Http2Address!.Host}:{stack.Gateway.Http2Address.Port}");

        await AssertGrpcJsResultsAsync(results, stack.Backend);
    }

    /// <summary>What grpc-js-client.js must report for a backend serving the echo contract, which <paramref name="backend"/> must confirm.</summary>
    internal static async Task AssertGrpcJsResultsAsync(JsonElement results, BackendProcess backend)
    {
        var unary = results.GetProperty("unary");
        Assert.Equal(0, unary.GetProperty("code").GetInt32());
        Assert.Equal("js-1", unary.GetProperty("id").GetString());
        Assert.Equal("9007199254740993", unary.GetProperty("int64").GetString());
        Assert.Equal("green", unary.GetProperty("team").GetString());
        Assert.Equal(backend.ReplicaId, unary.GetProperty("replica").GetString());
        Assert.Equal("seen", unary.GetProperty("audit").GetString());
        Assert.Equal((7, "no entry"), (results.GetProperty("fail").GetProperty("code").GetInt32(), results.GetProperty("fail").GetProperty("details").GetString()));

        var serverStream = results.GetProperty("serverStream");
        Assert.Equal(0, serverStream.GetProperty("code").GetInt32());
        Assert.Equal(Enumerable.Range(0, 20), serverStream.GetProperty("indexes").EnumerateArray().Select(i => i.GetInt32()));
        var midStream = results.GetProperty("midStreamError");
        Assert.Equal((14, "failed after 2 replies"), (midStream.GetProperty("code").GetInt32(), midStream.GetProperty("details").GetString()));
        Assert.Equal(2, midStream.GetProperty("indexes").GetArrayLength());

        Assert.Equal("x+y+z", results.GetProperty("clientStream").GetProperty("text").GetString());
        Assert.Equal(["b0:0", "b1:1", "b2:2"], results.GetProperty("bidi").GetProperty("texts").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(1, results.GetProperty("cancelled").GetProperty("code").GetInt32());
        await backend.WaitForLineAsync(line => line == "CANCELLED ServerStream js-cancelled").WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("binary")]
    public async Task The_grpc_web_client_calls_unary_and_server_streaming_methods(string format)
    {
        var results = await RunClientAsync("grpc-web-client.js", stack.Gateway.Address.ToString().TrimEnd('/'), format);

        AssertGrpcWebResults(results, format, stack.Backend);
    }

    /// <summary>What grpc-web-client.js must report for a backend serving the echo contract.</summary>
    internal static void AssertGrpcWebResults(JsonElement results, string format, BackendProcess backend)
    {
        var unary = results.GetProperty("unary");
        Assert.Equal(0, unary.GetProperty("code").GetInt32());
        Assert.Equal("web-" + format, unary.GetProperty("id").GetString());
        Assert.Equal("web", unary.GetProperty("team").GetString());
        Assert.Equal(backend.ReplicaId, unary.GetProperty("replica").GetString());
        Assert.Contains("processing-time", unary.GetProperty("trailerKeys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal((5, "gone away"), (results.GetProperty("fail").GetProperty("code").GetInt32(), results.GetProperty("fail").GetProperty("message").GetString()));

        var stream = results.GetProperty("serverStream");
        Assert.Equal(0, stream.GetProperty("code").GetInt32());
        Assert.Equal(Enumerable.Range(0, 10), stream.GetProperty("indexes").EnumerateArray().Select(i => i.GetInt32()));
        var midStream = results.GetProperty("midStreamError");
        Assert.Equal((14, "failed after 2 replies"), (midStream.GetProperty("code").GetInt32(), midStream.GetProperty("message").GetString()));
        Assert.Equal(2, midStream.GetProperty("indexes").GetArrayLength());
    }

    internal static async Task<JsonElement> RunClientAsync(string script, params string[] arguments)
    {
        await using var client = ChildProcess.Start("node", [Path.Combine(RepositoryPaths.NodeEcho, "clients", script), .. arguments]);
        var exit = await client.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"{script} exited with {exit}: {client.Output}");
        var line = client.Output.Split('\n').Last(l => l.StartsWith('{'));
        return JsonDocument.Parse(line).RootElement.Clone();
    }
}
