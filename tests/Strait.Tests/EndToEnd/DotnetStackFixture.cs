using System.Text.Json;
using Grpc.Net.Client;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The Grpc.AspNetCore backend (samples/GrpcDotnetBackend) behind a gateway that has no proto files: it reads the
/// schema from the backend's Grpc.AspNetCore.Server.Reflection service and checks the backend's Grpc.HealthCheck
/// service, so every test of the collection also depends on those two standard services working with Strait.
/// </summary>
public sealed class DotnetStackFixture : BackendBehindGatewayFixture
{
    private protected override Task<BackendBehindGateway> StartAsync() => BackendBehindGateway.StartAsync(
        BackendProcess.StartGrpcDotnetAsync,
        (directory, backend) => BackendBehindGateway.StartGatewayAsync(directory, $$"""
            http2Listen: http://127.0.0.1:0
            admin:
              listen: http://127.0.0.1:0
            schema:
              reflection:
                refreshInterval: 00:00:00
            backend:
              addresses: ["{{backend.Address}}"]
              reflection: true
              healthCheck:
                enabled: true
                interval: 00:00:00.200
            {{BackendBehindGateway.StreamRoutes}}
            headers:
              rules:
                - { httpHeader: X-Replica-Id, grpcMetadata: x-replica-id, direction: outgoing }
                - { httpHeader: X-Server-Version, grpcMetadata: x-server-version, direction: outgoing }
            """));

    /// <summary>A Grpc.Net.Client channel to the gateway's HTTP/2 port (h2c with prior knowledge), as to any gRPC server.</summary>
    internal GrpcChannel NativeChannel() => GrpcChannel.ForAddress(Gateway.Http2Address!);

    /// <summary>The gateway's view of the backend endpoint: <c>healthy</c>, <c>unhealthy</c>, <c>unknown</c>, …</summary>
    internal Task<string?> EndpointStateAsync() => LoadBalancingTests.EndpointStateAsync(Gateway, Backend);

    internal async Task WaitForEndpointStateAsync(string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await EndpointStateAsync() != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the endpoint never became {state}: {await Gateway.GetClustersAsync()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The admin view of the schema (<c>GET /schema</c>).</summary>
    internal async Task<JsonElement> GetSchemaAsync()
    {
        var text = await Gateway.Http.GetStringAsync(new Uri(Gateway.AdminAddress!, "/schema"));
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

[CollectionDefinition(Name)]
public sealed class DotnetStackCollection : ICollectionFixture<DotnetStackFixture>
{
    public const string Name = "Grpc.AspNetCore backend";
}
