namespace Strait.Tests.EndToEnd;

/// <summary>
/// The Node clients of <see cref="NodeClientInteropTests"/> (@grpc/grpc-js, and the <c>grpc-web</c> npm client in both
/// formats) calling the Grpc.AspNetCore backend through the gateway, with the same expectations: the backend serves
/// the same echo contract, so any difference is the backend stack's.
/// </summary>
[Collection(DotnetStackCollection.Name)]
public sealed class DotnetStackNodeClientTests(DotnetStackFixture fixture)
{
    [Fact]
    public async Task A_grpc_js_client_calls_every_shape_through_the_gateway()
    {
        var address = fixture.Gateway.Http2Address!;

        var results = await NodeClientInteropTests.RunClientAsync("grpc-js-client.js", $"{address.Host}:{address.Port}");

        await NodeClientInteropTests.AssertGrpcJsResultsAsync(results, fixture.Backend);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("binary")]
    public async Task The_grpc_web_client_calls_unary_and_server_streaming_methods(string format)
    {
        var results = await NodeClientInteropTests.RunClientAsync("grpc-web-client.js", fixture.Gateway.Address.ToString().TrimEnd('/'), format);

        NodeClientInteropTests.AssertGrpcWebResults(results, format, fixture.Backend);
    }
}
