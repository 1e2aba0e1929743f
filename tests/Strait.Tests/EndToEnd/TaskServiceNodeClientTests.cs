using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The Node clients of TaskService (samples/node-echo/clients/todo-client.js) through Strait: @grpc/grpc-js over h2c
/// and the `grpc-web` npm client, both on the one cleartext `listen` port. TaskService's methods are unary only.
/// </summary>
public sealed class TaskServiceNodeClientTests : IAsyncLifetime
{
    private BackendProcess? backend;
    private GatewayProcess? gateway;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartTaskServiceAsync();
        gateway = await GatewayProcess.StartAsync("--backend", backend.Address, "--reflect");
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

    [Fact]
    public async Task A_grpc_js_client_creates_and_reads_a_task()
    {
        var results = await NodeClientInteropTests.RunClientAsync("todo-client.js", "grpc-js", $"{gateway!.Address.Host}:{gateway.Address.Port}");

        AssertResults(results, "node grpc-js");
    }

    [Theory]
    [InlineData("text")]
    [InlineData("binary")]
    public async Task The_grpc_web_client_creates_and_reads_a_task(string format)
    {
        var results = await NodeClientInteropTests.RunClientAsync("todo-client.js", "grpc-web", gateway!.Address.ToString().TrimEnd('/'), format);

        AssertResults(results, "node grpc-web " + format);
    }

    private static void AssertResults(JsonElement results, string title)
    {
        var created = results.GetProperty("created");
        Assert.Equal(0, created.GetProperty("code").GetInt32());
        Assert.Equal(title, created.GetProperty("title").GetString());
        Assert.Equal("PRIORITY_HIGH", created.GetProperty("priority").GetString());
        var name = created.GetProperty("name").GetString();
        Assert.StartsWith("tasks/", name, StringComparison.Ordinal);

        var fetched = results.GetProperty("fetched");
        Assert.Equal((0, name, title), (fetched.GetProperty("code").GetInt32(), fetched.GetProperty("name").GetString(), fetched.GetProperty("title").GetString()));
        Assert.Equal(5, results.GetProperty("missing").GetProperty("code").GetInt32());
    }
}
