using Grpc.Core;
using Grpc.Net.Client;
using Strait.Echo.V1;
using static Strait.Tests.EndToEnd.DotnetStackCalls;
using static Strait.Tests.EndToEnd.StreamServiceClientCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Grpc.Net.Client, with stubs Grpc.Tools generated, calling the echo contract (samples/node-echo/protos) through the
/// gateway's HTTP/2 port as if the gateway were the backend: the four call shapes, headers, trailers, an error mid
/// stream and a cancelled stream. The same tests run against each backend that serves the contract.
/// </summary>
public abstract class GrpcNetClientCallShapeTests
{
    private protected abstract BackendProcess Backend { get; }

    /// <summary>What the backend sends as <c>x-server-version</c>.</summary>
    private protected abstract string ServerVersion { get; }

    /// <summary>A Grpc.Net.Client channel to the gateway's HTTP/2 port.</summary>
    private protected abstract GrpcChannel Channel();

    [Fact]
    public async Task A_unary_call_returns_the_reply_with_the_backends_headers_and_trailers()
    {
        using var channel = Channel();
        var client = new EchoService.EchoServiceClient(channel);
        var request = new EchoRequest { Id = "42", Int64Value = long.MaxValue, Labels = { ["k"] = "v" }, Nested = new Nested { Label = "n", Notes = { "a", "b" } } };
        var headers = new Metadata
        {
            { "x-team", "blue" },
            { "echo-reply-header-x-flavour", "vanilla" },
            { "echo-reply-trailer-x-audit", "seen" },
        };

        using var call = client.EchoAsync(request, headers, Deadline());
        var reply = await call.ResponseAsync;
        var responseHeaders = await call.ResponseHeadersAsync;

        Assert.Equal(request, reply.Request);
        Assert.Equal("/strait.echo.v1.EchoService/Echo", reply.PeerMethod);
        Assert.Equal("blue", reply.Metadata["x-team"]);
        Assert.True(reply.Metadata.ContainsKey("x-request-id"), "Strait adds its request id");
        Assert.Equal(Backend.ReplicaId, responseHeaders.GetValue("x-replica-id"));
        Assert.Equal(ServerVersion, responseHeaders.GetValue("x-server-version"));
        Assert.Equal("vanilla", responseHeaders.GetValue("x-flavour"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("seen", call.GetTrailers().GetValue("x-audit"));
        Assert.EndsWith("ms", call.GetTrailers().GetValue("processing-time"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_stream_relays_every_message_then_the_status()
    {
        using var channel = Channel();
        var client = new StreamService.StreamServiceClient(channel);

        using var call = client.ServerStream(new StreamRequest { Text = "tick", Count = 50, PayloadBytes = 1000 }, deadline: Deadline());
        var replies = await ReadAllAsync(call.ResponseStream);

        Assert.Equal(Enumerable.Range(0, 50), replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal(("tick", 1000), (r.Text, r.Payload.Length)));
        Assert.True(replies[0].Metadata.ContainsKey("x-request-id"));
        Assert.Equal(Backend.ReplicaId, (await call.ResponseHeadersAsync).GetValue("x-replica-id"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task An_error_mid_stream_follows_the_messages_sent_before_it()
    {
        using var channel = Channel();
        await AssertAnErrorFollowsTheMessagesBeforeItAsync(new StreamService.StreamServiceClient(channel));
    }

    [Fact]
    public async Task A_client_stream_is_answered_once_the_client_half_closes()
    {
        using var channel = Channel();
        await AssertAClientStreamIsAnsweredAfterTheHalfCloseAsync(new StreamService.StreamServiceClient(channel));
    }

    [Fact]
    public async Task A_bidirectional_stream_answers_each_message_before_the_next_is_sent()
    {
        using var channel = Channel();
        await AssertABidirectionalStreamAnswersEachMessageAsync(new StreamService.StreamServiceClient(channel));
    }

    [Fact]
    public async Task Cancelling_a_server_stream_cancels_it_at_the_backend()
    {
        using var channel = Channel();
        var client = new StreamService.StreamServiceClient(channel);
        var text = "abandoned-" + Guid.NewGuid().ToString("N");
        using var cancellation = new CancellationTokenSource();

        using var call = client.ServerStream(new StreamRequest { Text = text, Count = 10_000, IntervalMs = 20 }, cancellationToken: cancellation.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var cancelled = Backend.WaitForLineAsync(line => line == "CANCELLED ServerStream " + text);
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(call.ResponseStream));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await cancelled.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
