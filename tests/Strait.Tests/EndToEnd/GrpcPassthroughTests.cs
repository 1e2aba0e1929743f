using Google.Protobuf;
using Strait.Echo.V1;
using Strait.Wire;
using static Strait.Tests.Support.StreamServiceCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Native gRPC through Strait: Strait's own client calls the gateway's HTTP/2 port as if it were the @grpc/grpc-js
/// backend, in all four call shapes; metadata, trailers and status (details included) come through exactly, and
/// cancellation travels both ways.
/// </summary>
public sealed class GrpcPassthroughTests : IAsyncLifetime
{
    private BackendBehindGateway stack = null!;
    private GrpcClient client = null!;

    public async Task InitializeAsync()
    {
        stack = await BackendBehindGateway.StartNodeEchoAsync();
        client = new GrpcClient(stack.Gateway.Http2Address!);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await stack.DisposeAsync();
    }

    [Fact]
    public async Task Unary_calls_pass_metadata_trailers_and_the_reply_through_unchanged()
    {
        var headers = new GrpcMetadata { { "x-team", "blue" }, { "echo-reply-trailer-x-audit", "seen" }, { "trace-bin", new byte[] { 0, 1, 254 } } };
        using var result = await client.InvokeUnaryAsync("/strait.echo.v1.EchoService/Echo", new EchoRequest { Id = "42", Int64Value = long.MaxValue }.ToByteArray(), headers, Deadline());

        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
        var reply = EchoResponse.Parser.ParseFrom(result.Message.Span);
        Assert.Equal(("42", long.MaxValue), (reply.Request.Id, reply.Request.Int64Value));
        Assert.Equal("/strait.echo.v1.EchoService/Echo", reply.PeerMethod);
        Assert.Equal("blue", reply.Metadata["x-team"]);
        Assert.True(reply.Metadata.ContainsKey("x-request-id"), "Strait adds its request id");
        Assert.Equal(stack.Backend.ReplicaId, result.ResponseHeaders.GetValues("x-replica-id").Single());
        Assert.Equal("seen", result.Trailers.GetValues("x-audit").Single());
        Assert.Single(result.Trailers.GetValues("processing-time"));
    }

    [Fact]
    public async Task A_backend_error_arrives_with_its_code_and_message()
    {
        using var result = await client.InvokeUnaryAsync("/strait.echo.v1.EchoService/Fail", new FailRequest { Code = 9, Message = "not ready: ünïcode" }.ToByteArray(), deadlineUtc: Deadline());

        Assert.Equal(GrpcStatusCode.FailedPrecondition, result.Status.Code);
        Assert.Equal("not ready: ünïcode", result.Status.Message);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
    }

    [Fact]
    public async Task Server_streaming_relays_every_message_then_the_status()
    {
        await using var call = await StartServerStreamAsync(client, new StreamRequest { Text = "tick", Count = 50, PayloadBytes = 1000 });

        var replies = await ReadAllAsync(call);

        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
        Assert.Equal(Enumerable.Range(0, 50), replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal(1000, r.Payload.Length));
        Assert.Equal(stack.Backend.ReplicaId, (await call.ResponseHeadersAsync).GetValues("x-replica-id").Single());
    }

    [Fact]
    public Task An_error_mid_stream_follows_the_messages_sent_before_it() => AssertAnErrorFollowsTheRepliesBeforeItAsync(client);

    [Fact]
    public Task Client_streaming_forwards_each_message_and_the_half_close() => AssertAClientStreamIsAnsweredAfterTheHalfCloseAsync(client);

    [Fact]
    public Task Bidirectional_streaming_answers_each_message_before_the_next_is_sent() => AssertABidirectionalStreamAnswersEachMessageAsync(client, messages: 5);

    [Fact]
    public Task The_clients_deadline_reaches_the_backend_and_ends_the_stream() => AssertASlowStreamEndsAtTheDeadlineAsync(client, TimeSpan.FromMilliseconds(1200), maxReplies: 14);

    [Fact]
    public async Task A_client_stream_that_sends_one_message_then_nothing_ends_at_its_deadline()
    {
        await using var call = client.StartCall(Service + "ClientStream", deadlineUtc: DateTime.UtcNow.AddMilliseconds(1000));
        Assert.True(await call.WriteMessageAsync(new StreamRequest { Text = "a" }.ToByteArray()));

        var replies = await ReadAllAsync(call).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Empty(replies);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, call.GetStatus().Code);
    }

    [Fact]
    public async Task A_json_body_sent_as_grpc_web_is_answered_and_the_keep_alive_connection_answers_the_next_request()
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(stack.Gateway.Address.Host, stack.Gateway.Address.Port);
        var stream = socket.GetStream();
        const string json = "{\"id\":\"not a grpc-web frame\"}";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            "POST /strait.echo.v1.EchoService/Echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc-web\r\n"
            + $"Content-Length: {json.Length}\r\n\r\n{json}"
            + "GET /v1/stream/after?count=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));

        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        var answers = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(15));

        var second = answers.IndexOf("HTTP/1.1 ", 1, StringComparison.Ordinal);
        Assert.True(answers.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal) && second > 0, "one answer on the connection, not two:\n" + answers);
        Assert.Contains("grpc-status:13", answers[..second], StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 ", answers[second..], StringComparison.Ordinal);
        Assert.Contains("\"after\"", answers[second..], StringComparison.Ordinal);
        Assert.DoesNotContain("Reading is already in progress", stack.Gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_cancels_mid_stream_cancels_the_backend_stream()
    {
        await using (var warm = await StartServerStreamAsync(client, new StreamRequest { Count = 1 }))
        {
            await ReadAllAsync(warm);
        }

        var call = await StartServerStreamAsync(client, new StreamRequest { Text = "abandoned", Count = 10_000, IntervalMs = 20 });
        Assert.True(await call.MoveNextAsync());

        var cancelled = stack.Backend.ServerStreamCancelledAtAsync("abandoned");
        var resetAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await call.DisposeAsync();

        // From the client's RST_STREAM to the backend's cancellation, through the gateway: the acceptance bound is 100 ms.
        Assert.InRange(await cancelled - resetAt, 0, 100);
    }

    [Fact]
    public async Task An_unknown_method_is_unimplemented_and_never_reaches_the_backend()
    {
        using var result = await client.InvokeUnaryAsync("/strait.echo.v1.EchoService/Nope", Array.Empty<byte>(), deadlineUtc: Deadline());

        Assert.Equal(GrpcStatusCode.Unimplemented, result.Status.Code);
        Assert.Contains("/strait.echo.v1.EchoService/Nope", result.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_fails_the_call_with_resource_exhausted()
    {
        await using var limited = await stack.StartEchoGatewayAsync("streaming:\n  maxMessageSize: 1024");
        using var small = new GrpcClient(limited.Http2Address!);
        await using var call = small.StartCall(Service + "ClientStream", deadlineUtc: Deadline());
        await call.WriteMessageAsync(new StreamRequest { Text = "fits" }.ToByteArray());
        await call.WriteMessageAsync(new StreamRequest { Text = new string('x', 4096) }.ToByteArray());
        await call.CompleteRequestAsync();

        await ReadAllAsync(call);

        Assert.Equal(GrpcStatusCode.ResourceExhausted, call.GetStatus().Code);
        Assert.Contains("1024", call.GetStatus().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_accepted()
    {
        using var gzip = new GrpcClient(stack.Gateway.Http2Address!, new GrpcClientOptions { RequestCompression = GrpcCompression.Gzip });
        using var result = await gzip.InvokeUnaryAsync("/strait.echo.v1.EchoService/Echo", new EchoRequest { Id = new string('z', 2000) }.ToByteArray(), deadlineUtc: Deadline());

        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
        Assert.Equal(2000, EchoResponse.Parser.ParseFrom(result.Message.Span).Request.Id.Length);
    }
}
