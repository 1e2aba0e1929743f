using Google.Protobuf;
using Strait.Echo.V1;
using Strait.Wire;

namespace Strait.Tests.Support;

/// <summary>
/// Calls to the echo contract's <c>strait.echo.v1.StreamService</c> with Strait's own <see cref="GrpcClient"/>, and the
/// call-shape scenarios that must hold alike whether the client talks to the @grpc/grpc-js backend itself or to a
/// gateway in front of it: the gateway serves the backend's paths, so one client and one set of checks serve both.
/// </summary>
internal static class StreamServiceCalls
{
    public const string Service = "/strait.echo.v1.StreamService/";

    public static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);

    /// <summary>A <c>ServerStream</c> call that has sent <paramref name="request"/> and closed its side.</summary>
    public static async Task<GrpcCall> StartServerStreamAsync(GrpcClient client, StreamRequest request, DateTime? deadlineUtc = null)
    {
        var call = client.StartCall(Service + "ServerStream", deadlineUtc: deadlineUtc ?? Deadline());
        Assert.True(await call.WriteMessageAsync(request.ToByteArray()));
        await call.CompleteRequestAsync();
        return call;
    }

    public static async Task<List<StreamReply>> ReadAllAsync(GrpcCall call)
    {
        var replies = new List<StreamReply>();
        while (await call.MoveNextAsync())
        {
            replies.Add(StreamReply.Parser.ParseFrom(call.Current.Span));
        }

        return replies;
    }

    /// <summary>A server stream told to fail after two of five replies delivers those two, then UNAVAILABLE with the backend's message.</summary>
    public static async Task AssertAnErrorFollowsTheRepliesBeforeItAsync(GrpcClient client)
    {
        await using var call = await StartServerStreamAsync(client, new StreamRequest { Count = 5, FailAfter = 2, FailCode = (int)GrpcStatusCode.Unavailable });

        var replies = await ReadAllAsync(call);

        Assert.Equal(2, replies.Count);
        Assert.Equal(GrpcStatusCode.Unavailable, call.GetStatus().Code);
        Assert.Equal("failed after 2 replies", call.GetStatus().Message);
    }

    /// <summary>A client stream of a, b and c is answered once, after the half-close, with "a+b+c" and the count 3.</summary>
    public static async Task AssertAClientStreamIsAnsweredAfterTheHalfCloseAsync(GrpcClient client)
    {
        await using var call = client.StartCall(Service + "ClientStream", deadlineUtc: Deadline());
        foreach (var text in new[] { "a", "b", "c" })
        {
            Assert.True(await call.WriteMessageAsync(new StreamRequest { Text = text }.ToByteArray()));
        }

        await call.CompleteRequestAsync();
        var reply = Assert.Single(await ReadAllAsync(call));

        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
        Assert.Equal(("a+b+c", 3), (reply.Text, reply.Index));
    }

    /// <summary>A bidirectional stream echoes each of <paramref name="messages"/> messages before the next is sent, then ends OK.</summary>
    public static async Task AssertABidirectionalStreamAnswersEachMessageAsync(GrpcClient client, int messages)
    {
        await using var call = client.StartCall(Service + "BidiStream", deadlineUtc: Deadline());
        for (var i = 0; i < messages; i++)
        {
            Assert.True(await call.WriteMessageAsync(new StreamRequest { Text = "m" + i }.ToByteArray()));
            Assert.True(await call.MoveNextAsync(), call.IsCompleted ? call.GetStatus().ToString() : "no reply");
            var reply = StreamReply.Parser.ParseFrom(call.Current.Span);
            Assert.Equal(("m" + i, i), (reply.Text, reply.Index));
        }

        await call.CompleteRequestAsync();
        Assert.False(await call.MoveNextAsync());
        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
    }

    /// <summary>
    /// A server stream of a reply every 100 ms for 100 s, with a deadline <paramref name="deadline"/> away, ends
    /// DEADLINE_EXCEEDED after at least one and at most <paramref name="maxReplies"/> replies.
    /// </summary>
    public static async Task AssertASlowStreamEndsAtTheDeadlineAsync(GrpcClient client, TimeSpan deadline, int maxReplies)
    {
        await using var call = await StartServerStreamAsync(
            client, new StreamRequest { Text = "deadline", Count = 1000, IntervalMs = 100 }, DateTime.UtcNow + deadline);

        var replies = await ReadAllAsync(call);

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, call.GetStatus().Code);
        Assert.InRange(replies.Count, 1, maxReplies);
    }
}
