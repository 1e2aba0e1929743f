using Grpc.Core;
using Strait.Echo.V1;
using static Strait.Tests.EndToEnd.DotnetStackCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The call-shape scenarios of <c>strait.echo.v1.StreamService</c> with the client Grpc.Tools generates: they hold alike
/// over native gRPC (<see cref="GrpcNetClientCallShapeTests"/>) and grpc-web (<see cref="GrpcWebCallShapeTests"/>), so
/// both run these with their own channel.
/// </summary>
internal static class StreamServiceClientCalls
{
    /// <summary>A server stream told to fail after two of five replies delivers those two, then UNAVAILABLE with the backend's message.</summary>
    public static async Task AssertAnErrorFollowsTheMessagesBeforeItAsync(StreamService.StreamServiceClient client)
    {
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

    /// <summary>A client stream of a, b and c is answered once, after the half-close, with "a+b+c" and the count 3.</summary>
    public static async Task AssertAClientStreamIsAnsweredAfterTheHalfCloseAsync(StreamService.StreamServiceClient client)
    {
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

    /// <summary>A bidirectional stream echoes each of five messages before the next is sent, then ends OK.</summary>
    public static async Task AssertABidirectionalStreamAnswersEachMessageAsync(StreamService.StreamServiceClient client)
    {
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
