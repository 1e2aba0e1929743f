namespace Strait.Tests.Support;

/// <summary>
/// A backend process, a gateway process in front of it, and the temporary folder the gateway's configuration is
/// written to: how most tests over real processes begin. Disposal stops the gateway, then the backend, and deletes
/// the folder; a start that fails half-way stops what it had started.
/// </summary>
internal sealed class BackendBehindGateway : IAsyncDisposable
{
    /// <summary>
    /// REST routes for the streaming methods of <c>strait.echo.v1.StreamService</c>, a top-level <c>http:</c> section:
    /// the service has no HTTP annotations (it is node-echo's contract), so every gateway that serves it over REST or
    /// WebSocket names them.
    /// </summary>
    public const string StreamRoutes = """
        http:
          rules:
            - selector: strait.echo.v1.StreamService.ServerStream
              get: "/v1/stream/{text}"
            - selector: strait.echo.v1.StreamService.ClientStream
              post: "/v1/stream:collect"
              body: "*"
            - selector: strait.echo.v1.StreamService.BidiStream
              post: "/v1/chat"
              body: "*"
        """;

    /// <summary>node-echo's proto files (samples/node-echo/protos).</summary>
    public static readonly string EchoProtos = Path.Combine(RepositoryPaths.NodeEcho, "protos");

    private BackendBehindGateway(BackendProcess backend, DirectoryInfo directory, GatewayProcess gateway)
    {
        Backend = backend;
        Directory = directory;
        Gateway = gateway;
    }

    public BackendProcess Backend { get; }

    public GatewayProcess Gateway { get; }

    /// <summary>Where the configuration is written; the test may write more files there, deleted with it.</summary>
    public DirectoryInfo Directory { get; }

    /// <summary>The @grpc/grpc-js echo backend behind the gateway of <see cref="StartEchoGatewayAsync(DirectoryInfo, string, string, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public static Task<BackendBehindGateway> StartNodeEchoAsync(string extra = "", IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(BackendProcess.StartNodeEchoAsync, (directory, backend) => StartEchoGatewayAsync(directory, backend.Address, extra, environment));

    /// <summary>The @grpc/grpc-js echo backend behind <c>strait serve</c> with the configuration <paramref name="configuration"/> writes for it.</summary>
    public static Task<BackendBehindGateway> StartNodeEchoAsync(Func<BackendProcess, string> configuration) =>
        StartAsync(BackendProcess.StartNodeEchoAsync, (directory, backend) => StartGatewayAsync(directory, configuration(backend)));

    /// <summary>Starts the backend, then the gateway <paramref name="startGateway"/> starts in front of it from a new temporary folder.</summary>
    public static async Task<BackendBehindGateway> StartAsync(
        Func<Task<BackendProcess>> startBackend, Func<DirectoryInfo, BackendProcess, Task<GatewayProcess>> startGateway)
    {
        var backend = await startBackend();
        var directory = System.IO.Directory.CreateTempSubdirectory("strait-e2e-");
        try
        {
            return new BackendBehindGateway(backend, directory, await startGateway(directory, backend));
        }
        catch
        {
            await backend.DisposeAsync();
            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>
    /// <c>strait serve</c> for the echo contract: stream.proto and echo.proto, the <see cref="StreamRoutes"/> and an
    /// HTTP/2 listener, with <paramref name="extra"/> (YAML sections) added.
    /// </summary>
    public static async Task<GatewayProcess> StartEchoGatewayAsync(
        DirectoryInfo directory, string backendAddress, string extra = "", IReadOnlyDictionary<string, string>? environment = null)
    {
        var config = Path.Combine(directory.FullName, $"strait-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"""
            http2Listen: http://127.0.0.1:0
            schema:
              protos: ["{Path.Combine(EchoProtos, "stream.proto")}", "{Path.Combine(EchoProtos, "echo.proto")}"]
              protoPaths: ["{EchoProtos}"]
            backend:
              addresses: ["{backendAddress}"]
            {StreamRoutes}
            {extra}
            """);
        return await GatewayProcess.StartAsync(environment, "--config", config);
    }

    /// <summary>Writes <paramref name="yaml"/> to <c>strait.yaml</c> in <paramref name="directory"/> and runs <c>strait serve --config</c> on it.</summary>
    public static async Task<GatewayProcess> StartGatewayAsync(DirectoryInfo directory, string yaml)
    {
        var config = ConfigFile(directory);
        await File.WriteAllTextAsync(config, yaml);
        return await GatewayProcess.StartAsync("--config", config);
    }

    /// <summary>The file <see cref="StartGatewayAsync(DirectoryInfo, string)"/> writes.</summary>
    public static string ConfigFile(DirectoryInfo directory) => Path.Combine(directory.FullName, "strait.yaml");

    /// <summary>Another echo gateway (<see cref="StartEchoGatewayAsync(DirectoryInfo, string, string, IReadOnlyDictionary{string, string}?)"/>) in front of the same backend; the caller stops it.</summary>
    public Task<GatewayProcess> StartEchoGatewayAsync(string extra) => StartEchoGatewayAsync(Directory, Backend.Address, extra);

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(recursive: true);
    }
}

/// <summary>A <see cref="BackendBehindGateway"/> that the tests of a class or a collection share.</summary>
public abstract class BackendBehindGatewayFixture : IAsyncLifetime
{
    private BackendBehindGateway? stack;

    internal BackendProcess Backend => stack!.Backend;

    internal GatewayProcess Gateway => stack!.Gateway;

    private protected DirectoryInfo Directory => stack!.Directory;

    public async Task InitializeAsync() => stack = await StartAsync();

    public async Task DisposeAsync()
    {
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }
    }

    private protected abstract Task<BackendBehindGateway> StartAsync();
}

/// <summary>The @grpc/grpc-js echo backend behind <see cref="BackendBehindGateway.StartEchoGatewayAsync(DirectoryInfo, string, string, IReadOnlyDictionary{string, string}?)"/>'s gateway.</summary>
public sealed class NodeEchoGatewayFixture : BackendBehindGatewayFixture
{
    private protected override Task<BackendBehindGateway> StartAsync() => BackendBehindGateway.StartNodeEchoAsync();
}
