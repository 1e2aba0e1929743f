using Grpc.Core;
using Grpc.Net.Client.Web;
using Strait.Interop.V1;
using static Strait.Tests.EndToEnd.DotnetStackCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Grpc.Net.Client.Web calling the Grpc.AspNetCore backend through the gateway's grpc-web edge: the call shapes
/// (inherited), and google.rpc status details and deadlines, which the backend's InteropService reports on.
/// </summary>
[Collection(DotnetStackCollection.Name)]
public sealed class DotnetStackGrpcWebTests(DotnetStackFixture fixture) : GrpcWebCallShapeTests
{
    private protected override BackendProcess Backend => fixture.Backend;

    private protected override GatewayProcess Gateway => fixture.Gateway;

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb, false)]
    [InlineData(GrpcWebMode.GrpcWeb, true)]
    [InlineData(GrpcWebMode.GrpcWebText, false)]
    [InlineData(GrpcWebMode.GrpcWebText, true)]
    public async Task Status_details_reach_the_client_as_the_backend_wrote_them(GrpcWebMode mode, bool headersFirst)
    {
        using var channel = GrpcWebChannel(mode);
        var client = new InteropService.InteropServiceClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.FailWithDetailsAsync(Failure(headersFirst), deadline: Deadline()).ResponseAsync);

        AssertFailureDetails(error);
    }

    [Fact]
    public async Task The_deadline_of_a_grpc_web_call_ends_the_backends_call()
    {
        using var channel = GrpcWebChannel(GrpcWebMode.GrpcWeb);
        var client = new InteropService.InteropServiceClient(channel);
        var id = "web-expired-" + Guid.NewGuid().ToString("N");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.DelayAsync(new DelayRequest { Id = id, DelayMs = 20_000 }, deadline: DateTime.UtcNow.AddMilliseconds(1500)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var record = await WaitForCallAsync(client, id, CallRecord.Types.State.Cancelled);
        Assert.InRange(record.DeadlineMs, 1, 1500);
    }
}
