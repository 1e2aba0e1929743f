using Grpc.Core;
using Grpc.Net.Client.Web;
using Strait.Echo.V1;
using Strait.Interop.V1;
using static Strait.Tests.EndToEnd.DotnetStackCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Grpc.Net.Client.Web (<see cref="GrpcWebHandler"/>, the client Blazor WebAssembly apps use) calling the Grpc.AspNetCore
/// backend through the gateway's grpc-web edge: unary and server streaming over HTTP/1.1 in both formats, and client
/// and bidirectional streams over HTTP/2, where HttpClient streams the request body. The backend speaks only native
/// gRPC: the translation is the gateway's.
/// </summary>
[Collection(DotnetStackCollection.Name)]
public sealed class DotnetStackGrpcWebTests(DotnetStackFixture fixture)
{
    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task A_unary_call_returns_the_reply_with_the_backends_headers_and_trailers(GrpcWebMode mode)
    {
        using var channel = fixture.GrpcWebChannel(mode);
        var client = new EchoService.EchoServiceClient(channel);
        var request = new EchoRequest { Id = "web-" + mode, BytesValue = Google.Protobuf.ByteString.CopyFrom(0, 1, 254, 255), Strings = { "x", "ÿ" } };

        using var call = client.EchoAsync(request, new Metadata { { "x-team", "web" }, { "echo-reply-trailer-x-audit", "seen" } }, Deadline());
        var reply = await call.ResponseAsync;

        Assert.Equal(request, reply.Request);
        Assert.Equal("web", reply.Metadata["x-team"]);
        Assert.Equal(fixture.Backend.ReplicaId, (await call.ResponseHeadersAsync).GetValue("x-replica-id"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("seen", call.GetTrailers().GetValue("x-audit"));
        Assert.EndsWith("ms", call.GetTrailers().GetValue("processing-time"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task A_server_stream_relays_every_message_then_the_trailers(GrpcWebMode mode)
    {
        using var channel = fixture.GrpcWebChannel(mode);
        var client = new StreamService.StreamServiceClient(channel);

        using var call = client.ServerStream(new StreamRequest { Text = "web", Count = 20, PayloadBytes = 3000 }, deadline: Deadline());
        var replies = await ReadAllAsync(call.ResponseStream);

        Assert.Equal(Enumerable.Range(0, 20), replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal(3000, r.Payload.Length));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task An_error_mid_stream_arrives_in_the_trailer_frame_after_the_messages_before_it(GrpcWebMode mode)
    {
        using var channel = fixture.GrpcWebChannel(mode);
        var client = new StreamService.StreamServiceClient(channel);

        using var call = client.ServerStream(new StreamRequest { Count = 5, FailAfter = 2, FailCode = (int)StatusCode.Unavailable }, deadline: Deadline());
        var replies = new List<StreamReply>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var reply in call.ResponseStream.ReadAllAsync())
            {
                replies.Add(reply);
            }
        });

        Assert.Equal(2, replies.Count);
        Assert.Equal((StatusCode.Unavailable, "failed after 2 replies"), (error.StatusCode, error.Status.Detail));
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb, false)]
    [InlineData(GrpcWebMode.GrpcWeb, true)]
    [InlineData(GrpcWebMode.GrpcWebText, false)]
    [InlineData(GrpcWebMode.GrpcWebText, true)]
    public async Task Status_details_reach_the_client_as_the_backend_wrote_them(GrpcWebMode mode, bool headersFirst)
    {
        using var channel = fixture.GrpcWebChannel(mode);
        var client = new InteropService.InteropServiceClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.FailWithDetailsAsync(Failure(headersFirst), deadline: Deadline()).ResponseAsync);

        AssertFailureDetails(error);
    }

    [Fact]
    public async Task The_deadline_of_a_grpc_web_call_ends_the_backends_call()
    {
        using var channel = fixture.GrpcWebChannel(GrpcWebMode.GrpcWeb);
        var client = new InteropService.InteropServiceClient(channel);
        var id = "web-expired-" + Guid.NewGuid().ToString("N");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.DelayAsync(new DelayRequest { Id = id, DelayMs = 20_000 }, deadline: DateTime.UtcNow.AddMilliseconds(1500)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var record = await WaitForCallAsync(client, id, CallRecord.Types.State.Cancelled);
        Assert.InRange(record.DeadlineMs, 1, 1500);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Over_http2_a_client_stream_is_answered_once_the_client_half_closes(GrpcWebMode mode)
    {
        using var channel = fixture.GrpcWebChannelOverHttp2(mode);
        var client = new StreamService.StreamServiceClient(channel);

        using var call = client.ClientStream(deadline: Deadline());
        foreach (var text in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new StreamRequest { Text = text });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(("a+b+c", 3), (reply.Text, reply.Index));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    /// <summary>
    /// Binary only: the gateway reads a grpc-web-text body whole before it calls the backend (text clients are
    /// browsers, which send one message), so a text client that waits for a reply before it sends more never gets one.
    /// </summary>
    [Fact]
    public async Task Over_http2_a_bidirectional_stream_answers_each_message_before_the_next_is_sent()
    {
        using var channel = fixture.GrpcWebChannelOverHttp2(GrpcWebMode.GrpcWeb);
        var client = new StreamService.StreamServiceClient(channel);

        using var call = client.BidiStream(deadline: Deadline());
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new StreamRequest { Text = "m" + i });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(("m" + i, i), (call.ResponseStream.Current.Text, call.ResponseStream.Current.Index));
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
