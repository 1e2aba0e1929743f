namespace Strait.Tests.EndToEnd;

/// <summary>
/// The C# todo.v1 backend and `strait serve --proto todo.proto` in front of it, as two processes. The gateway runs in
/// grpc-gateway header mode (set by environment variable), which forwards the `Grpc-Metadata-X-Strait-Demo-*` headers
/// the backend's fault injection reads.
/// </summary>
public sealed class TodoGatewayFixture : IAsyncLifetime
{
    private BackendProcess? backend;
    private GatewayProcess? gateway;

    internal GatewayProcess Gateway => gateway!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartTaskServiceAsync();
        var protos = Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos");
        gateway = await GatewayProcess.StartAsync(
            new Dictionary<string, string> { ["STRAIT_HEADERS__MODE"] = "grpc-gateway" },
            "--proto", Path.Combine(protos, "todo.proto"),
            "--proto-path", protos,
            "--backend", backend.Address);
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
