using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The standard services of the .NET stack, as Strait uses them: Grpc.AspNetCore.Server.Reflection is the gateway's
/// only schema source (every other test of the collection depends on it), and Grpc.HealthCheck's answers move the
/// endpoint in and out of rotation.
/// </summary>
[Collection(DotnetStackCollection.Name)]
public sealed class DotnetStackStandardServicesTests(DotnetStackFixture fixture)
{
    [Fact]
    public async Task The_schema_comes_from_the_backends_v1_reflection_service_without_its_standard_services()
    {
        var schema = await fixture.GetSchemaAsync();

        var reflected = Assert.Single(schema.GetProperty("reflection").EnumerateArray());
        Assert.Equal("v1", reflected.GetProperty("protocol").GetString());
        Assert.Equal(
            ["strait.echo.v1.EchoService", "strait.echo.v1.StreamService", "strait.interop.v1.InteropService"],
            reflected.GetProperty("services").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.Array, schema.GetProperty("unreachableClusters").ValueKind);
        Assert.Equal(0, schema.GetProperty("unreachableClusters").GetArrayLength());
    }

    [Fact]
    public async Task The_http_annotations_survive_the_reflection_service()
    {
        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "routes", "--backend", fixture.Backend.Address, "--reflect"]);

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Matches(@"POST\s+/v1/echo\s+strait\.echo\.v1\.EchoService\.Echo\s+\*", process.Output);
        Assert.Matches(@"GET\s+/v1/echo/\{id\}\s+strait\.echo\.v1\.EchoService\.Echo", process.Output);
        Assert.Matches(@"GET\s+/v1/interop/calls/\{id\}\s+strait\.interop\.v1\.InteropService\.GetCall", process.Output);
        // Unannotated methods get the generated route.
        Assert.Matches(@"POST\s+/strait\.echo\.v1\.StreamService/BidiStream\s+strait\.echo\.v1\.StreamService\.BidiStream", process.Output);
    }

    [Fact]
    public async Task The_backends_health_answers_take_the_endpoint_out_of_rotation_and_back()
    {
        await fixture.WaitForEndpointStateAsync("healthy");
        try
        {
            await fixture.Backend.SetHealthAsync(serving: false);
            await fixture.WaitForEndpointStateAsync("unhealthy");
        }
        finally
        {
            await fixture.Backend.SetHealthAsync(serving: true);
        }

        await fixture.WaitForEndpointStateAsync("healthy");
    }
}
