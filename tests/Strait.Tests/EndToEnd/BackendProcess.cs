namespace Strait.Tests.EndToEnd;

/// <summary>A gRPC backend process that prints <c>LISTENING &lt;port&gt;</c> when ready: the C# TaskService or the @grpc/grpc-js echo server.</summary>
internal sealed class BackendProcess : IAsyncDisposable
{
    private readonly ChildProcess process;

    private BackendProcess(ChildProcess process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static Task<BackendProcess> StartTaskServiceAsync(params string[] arguments) =>
        StartAsync("dotnet", [RepositoryPaths.TaskServiceDll, "--port", "0", .. arguments]);

    public static Task<BackendProcess> StartNodeEchoAsync()
    {
        if (!Directory.Exists(Path.Combine(RepositoryPaths.NodeEcho, "node_modules")))
        {
            throw new InvalidOperationException("samples/node-echo has no node_modules: run ./test.sh (it runs npm ci) or npm ci --prefix samples/node-echo");
        }

        return StartAsync("node", [Path.Combine(RepositoryPaths.NodeEcho, "server.js"), "--port", "0"]);
    }

    private static async Task<BackendProcess> StartAsync(string fileName, string[] arguments)
    {
        var process = ChildProcess.Start(fileName, arguments);
        try
        {
            var line = await process.WaitForLineAsync(l => l.StartsWith("LISTENING ", StringComparison.Ordinal));
            return new BackendProcess(process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
