namespace Strait.Tests.EndToEnd;

/// <summary>Grpc.Net.Client.Web through the gateway to the @grpc/grpc-js backend: the call shapes of <see cref="GrpcWebCallShapeTests"/>.</summary>
public sealed class NodeEchoGrpcWebTests(NodeEchoGrpcWebTests.Fixture fixture) : GrpcWebCallShapeTests, IClassFixture<NodeEchoGrpcWebTests.Fixture>
{
    private protected override BackendProcess Backend => fixture.Backend;

    private protected override GatewayProcess Gateway => fixture.Gateway;

    /// <summary>node-echo behind a gateway given its protos, with an HTTP/2 listener beside the HTTP/1.1 one.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private DirectoryInfo? directory;
        private BackendProcess? backend;
        private GatewayProcess? gateway;

        internal BackendProcess Backend => backend!;

        internal GatewayProcess Gateway => gateway!;

        public async Task InitializeAsync()
        {
            backend = await BackendProcess.StartNodeEchoAsync();
            directory = Directory.CreateTempSubdirectory("strait-node-grpc-web-");
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
}
