using Strait.Echo.V1;
using Strait.Wire;
using static Strait.Tests.Support.StreamServiceCalls;

namespace Strait.Tests.Backends;

/// <summary>
/// The @grpc/grpc-js backend's <c>strait.echo.v1.StreamService</c>, called with Strait's own client: all four call
/// shapes interoperate, errors mid-stream arrive after the messages sent before them, and a cancelled call stops.
/// The streaming edges are built and tested on this service.
/// </summary>
public sealed class StreamingBackendTests : IAsyncLifetime
{
    private BackendProcess backend = null!;
    private GrpcClient client = null!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartNodeEchoAsync();
        client = new GrpcClient(new Uri($"http://{backend.Address}"));
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task Server_streaming_sends_every_reply_in_order_then_ok()
    {
        await using var call = await StartServerStreamAsync(client, new StreamRequest { Text = "tick", Count = 5 });

        var replies = await ReadAllAsync(call);

        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
        Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal("tick", r.Text));
        Assert.Equal(backend.ReplicaId, (await call.ResponseHeadersAsync).GetValues("x-replica-id").Single());
    }

    [Fact]
    public Task An_error_mid_stream_follows_the_replies_sent_before_it() => AssertAnErrorFollowsTheRepliesBeforeItAsync(client);

    [Fact]
    public Task Client_streaming_answers_once_after_the_client_half_closes() => AssertAClientStreamIsAnsweredAfterTheHalfCloseAsync(client);

    [Fact]
    public Task Bidirectional_streaming_answers_each_message_as_it_arrives() => AssertABidirectionalStreamAnswersEachMessageAsync(client, messages: 3);

    [Fact]
    public Task A_slow_endless_stream_stops_at_the_deadline() => AssertASlowStreamEndsAtTheDeadlineAsync(client, TimeSpan.FromMilliseconds(1500), maxReplies: 16);
}
