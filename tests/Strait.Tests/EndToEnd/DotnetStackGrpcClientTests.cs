using Grpc.Core;
using Grpc.Net.Client;
using Strait.Interop.V1;
using static Strait.Tests.EndToEnd.DotnetStackCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Grpc.Net.Client calling the Grpc.AspNetCore backend through the gateway's HTTP/2 port, so that both ends of the call
/// are the .NET gRPC stack and Strait's wire layer sits between them: the four call shapes (inherited), and deadlines,
/// cancellation and google.rpc status details, which the backend's InteropService reports on.
/// </summary>
[Collection(DotnetStackCollection.Name)]
public sealed class DotnetStackGrpcClientTests(DotnetStackFixture fixture) : GrpcNetClientCallShapeTests
{
    private protected override BackendProcess Backend => fixture.Backend;

    private protected override string ServerVersion => "grpc-dotnet/2.85.0";

    private protected override GrpcChannel Channel() => fixture.NativeChannel();

    [Fact]
    public async Task The_clients_deadline_is_the_one_the_backend_sees()
    {
        using var channel = fixture.NativeChannel();
        var client = new InteropService.InteropServiceClient(channel);

        var reply = await client.DelayAsync(new DelayRequest { Id = "deadline-" + Guid.NewGuid().ToString("N") }, deadline: DateTime.UtcNow.AddSeconds(7));

        // Not the gateway's own default of 30 s: the client's 7 s, less the time on the way.
        Assert.InRange(reply.DeadlineMs, 5000, 7000);
    }

    [Fact]
    public async Task A_deadline_shorter_than_the_backends_work_is_deadline_exceeded_and_ends_the_backends_call()
    {
        using var channel = fixture.NativeChannel();
        var client = new InteropService.InteropServiceClient(channel);
        var id = "expired-" + Guid.NewGuid().ToString("N");

        // Long enough for the call to reach the backend on a loaded machine, which GetCall needs.
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.DelayAsync(new DelayRequest { Id = id, DelayMs = 20_000 }, deadline: DateTime.UtcNow.AddMilliseconds(1500)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var record = await WaitForCallAsync(client, id, CallRecord.Types.State.Cancelled);
        Assert.InRange(record.DeadlineMs, 1, 1500);
    }

    [Fact]
    public async Task Cancelling_a_unary_call_cancels_it_at_the_backend()
    {
        using var channel = fixture.NativeChannel();
        var client = new InteropService.InteropServiceClient(channel);
        var id = "cancelled-" + Guid.NewGuid().ToString("N");
        using var cancellation = new CancellationTokenSource();

        using var call = client.DelayAsync(new DelayRequest { Id = id, DelayMs = 20_000 }, cancellationToken: cancellation.Token);
        await WaitForCallAsync(client, id, CallRecord.Types.State.Running);
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await WaitForCallAsync(client, id, CallRecord.Types.State.Cancelled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Status_details_reach_the_client_as_the_backend_wrote_them(bool headersFirst)
    {
        using var channel = fixture.NativeChannel();
        var client = new InteropService.InteropServiceClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.FailWithDetailsAsync(Failure(headersFirst), deadline: Deadline()).ResponseAsync);

        AssertFailureDetails(error);
    }
}
