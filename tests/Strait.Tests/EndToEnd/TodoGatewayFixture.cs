namespace Strait.Tests.EndToEnd;

/// <summary>
/// The C# todo.v1 backend and the gateway in front of it, both inside the test process. The gateway runs in
/// grpc-gateway header mode, which forwards the `Grpc-Metadata-X-Strait-Demo-*` headers the backend's fault injection
/// reads.
/// </summary>
public sealed class TodoGatewayFixture : IAsyncLifetime
{
    private TaskServiceReplica? backend;
    private InProcessGateway? gateway;

    internal InProcessGateway Gateway => gateway!;

    public async Task InitializeAsync()
    {
        backend = await TaskServiceReplica.StartAsync();
        gateway = await InProcessGateway.StartAsync($"""
            schema:
              descriptorSets: ["{TestSchemas.Todo}"]
            backend:
              addresses: ["{backend.Address}"]
            headers:
              mode: grpc-gateway
            """);
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
