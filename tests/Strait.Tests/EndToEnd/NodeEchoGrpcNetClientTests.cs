using Grpc.Net.Client;

namespace Strait.Tests.EndToEnd;

/// <summary>Grpc.Net.Client through the gateway to the @grpc/grpc-js backend: the call shapes of <see cref="GrpcNetClientCallShapeTests"/>.</summary>
public sealed class NodeEchoGrpcNetClientTests(NodeEchoGatewayFixture fixture) : GrpcNetClientCallShapeTests, IClassFixture<NodeEchoGatewayFixture>
{
    private protected override BackendProcess Backend => fixture.Backend;

    private protected override string ServerVersion => "node-echo/1.0";

    private protected override GrpcChannel Channel() => GrpcChannel.ForAddress(fixture.Gateway.Http2Address!);
}
