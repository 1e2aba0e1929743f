namespace Strait.Tests.EndToEnd;

/// <summary>Grpc.Net.Client.Web through the gateway to the @grpc/grpc-js backend: the call shapes of <see cref="GrpcWebCallShapeTests"/>.</summary>
public sealed class NodeEchoGrpcWebTests(NodeEchoGatewayFixture fixture) : GrpcWebCallShapeTests, IClassFixture<NodeEchoGatewayFixture>
{
    private protected override BackendProcess Backend => fixture.Backend;

    private protected override GatewayProcess Gateway => fixture.Gateway;
}
