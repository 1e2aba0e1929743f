using Google.Protobuf;
using Strait.Echo.V1;
using Strait.Wire;

namespace Strait.Tests.Backends;

/// <summary>
/// The @grpc/grpc-js backend's <c>strait.echo.v1.StreamService</c>, called with Strait's own client: all four call
/// shapes interoperate, errors mid-stream arrive after the messages sent before them, and a cancelled call stops.
/// The streaming edges are built and tested on this service.
/// </summary>
public sealed class StreamingBackendTests : IAsyncLifetime
{
    private const string Service = "/strait.echo.v1.StreamService/";
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
        await using var call = await StartAsync("ServerStream", new StreamRequest { Text = "tick", Count = 5 });

        var replies = await ReadAllAsync(call);

        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
        Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal("tick", r.Text));
        Assert.Equal(backend.ReplicaId, (await call.ResponseHeadersAsync).GetValues("x-replica-id").Single());
    }

    [Fact]
    public async Task An_error_mid_stream_follows_the_replies_sent_before_it()
    {
        await using var call = await StartAsync("ServerStream", new StreamRequest { Count = 5, FailAfter = 2, FailCode = (int)GrpcStatusCode.Unavailable });

        var replies = await ReadAllAsync(call);

        Assert.Equal(2, replies.Count);
        Assert.Equal(GrpcStatusCode.Unavailable, call.GetStatus().Code);
        Assert.Equal("failed after 2 replies", call.GetStatus().Message);
    }

    [Fact]
    public async Task Client_streaming_answers_once_after_the_client_half_closes()
    {
        await using var call = client.StartCall(Service + "ClientStream", deadlineUtc: Deadline());
        foreach (var text in new[] { "a", "b", "c" })
        {
            Assert.True(await call.WriteMessageAsync(new StreamRequest { Text = text }.ToByteArray()));
        }

        await call.CompleteRequestAsync();
        var replies = await ReadAllAsync(call);

        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
        Assert.Equal("a+b+c", replies.Single().Text);
        Assert.Equal(3, replies.Single().Index);
    }

    [Fact]
    public async Task Bidirectional_streaming_answers_each_message_as_it_arrives()
    {
        await using var call = client.StartCall(Service + "BidiStream", deadlineUtc: Deadline());
        for (var i = 0; i < 3; i++)
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

    [Fact]
    public async Task A_slow_endless_stream_stops_at_the_deadline()
    {
        await using var call = client.StartCall(Service + "ServerStream", deadlineUtc: DateTime.UtcNow.AddMilliseconds(1500));
        Assert.True(await call.WriteMessageAsync(new StreamRequest { Count = 1000, IntervalMs = 100 }.ToByteArray()));
        await call.CompleteRequestAsync();

        var replies = await ReadAllAsync(call);

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, call.GetStatus().Code);
        Assert.InRange(replies.Count, 1, 16);
    }

    private async Task<GrpcCall> StartAsync(string method, StreamRequest request)
    {
        var call = client.StartCall(Service + method, deadlineUtc: Deadline());
        Assert.True(await call.WriteMessageAsync(request.ToByteArray()));
        await call.CompleteRequestAsync();
        return call;
    }

    private static async Task<List<StreamReply>> ReadAllAsync(GrpcCall call)
    {
        var replies = new List<StreamReply>();
        while (await call.MoveNextAsync())
        {
            replies.Add(StreamReply.Parser.ParseFrom(call.Current.Span));
        }

        return replies;
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);
}
