using Grpc.Net.Client;

namespace Strait.Tests.EndToEnd;

/// <summary>Grpc.Net.Client through the gateway to the @grpc/grpc-js backend: the call shapes of <see cref="GrpcNetClientCallShapeTests"/>.</summary>
public sealed class NodeEchoGrpcNetClientTests : GrpcNetClientCallShapeTests, IAsyncLifetime
{
    private BackendProcess? backend;
    private GatewayProcess? gateway;
    private DirectoryInfo? directory;

    private protected override BackendProcess Backend => backend!;

    private protected override string ServerVersion => "node-echo/1.0";

    private protected override GrpcChannel Channel() => GrpcChannel.ForAddress(gateway!.Http2Address!);

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartNodeEchoAsync();
        directory = Directory.CreateTempSubdirectory("strait-node-grpc-dotnet-");
        gateway = await GrpcPassthroughTests.StartGatewayAsync(directory, backend.Address);
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

        directory?.Delete(recursive: true);
    }
}
