using System.Diagnostics;
using Google.Protobuf;
using Google.Rpc;
using Strait.Samples.Hosting;
using Strait.Tests.Wire.Protos;
using Strait.Wire;
using static Strait.Tests.Wire.WireTestHost;

namespace Strait.Tests.Wire;

public sealed class LoopbackErrorTests
{
    [Fact]
    public async Task Grpc_exception_with_rich_details_round_trips()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Fail", new EchoRequest());

        var expected = EchoService.CreateValidationFailure().Status;
        Assert.Equal(GrpcStatusCode.InvalidArgument, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
        Assert.Equal(expected.Message, result.Status.Message);
        Assert.NotNull(result.Status.Details);
        Assert.Equal(expected.Details, result.Status.Details);
        var badRequest = result.Status.Details.Details.Single().Unpack<BadRequest>();
        Assert.Equal("title", badRequest.FieldViolations.Single().Field);
        Assert.True(result.Trailers.TryGetValue("x-reason", out var reason));
        Assert.Equal("validation", reason);
        Assert.True(result.Message.IsEmpty);
    }

    [Fact]
    public async Task Error_before_any_message_is_sent_trailers_only()
    {
        await using var server = await StartAsync(new EchoService());
        using var handler = new RecordingHandler();
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { HttpHandler = handler });

        using var result = await CallAsync(client, "Fail", new EchoRequest());

        Assert.Equal(GrpcStatusCode.InvalidArgument, result.Status.Code);
        var response = handler.LastResponse!;
        Assert.Equal("3", string.Join(",", response.Headers.GetValues("grpc-status")));
        Assert.Empty(response.TrailingHeaders);
        Assert.Empty(result.ResponseHeaders);
        Assert.True(result.Trailers.TryGetValue("x-reason", out _));
    }

    [Fact]
    public async Task Handler_exception_becomes_unknown_without_leaking_its_text()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Crash", new EchoRequest());

        Assert.Equal(GrpcStatusCode.Unknown, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
        Assert.Equal("Exception was thrown by handler.", result.Status.Message);
        Assert.Null(result.Status.Details);
    }

    [Fact]
    public async Task Deadline_expiry_ends_the_call_locally_and_cancels_the_handler()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = await ConnectedClientAsync(server);
        var stopwatch = Stopwatch.StartNew();

        using var result = await CallAsync(client, "Wait", new EchoRequest(), deadlineUtc: DateTime.UtcNow.AddSeconds(1));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.Status.Code);
        Assert.Equal(StatusOrigin.Local, result.Status.Origin);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        var context = await service.HandlerWaiting.Task.WaitAsync(Bound);
        Assert.NotEqual(DateTime.MaxValue, context.Deadline);
        await service.HandlerCancelled.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task Server_enforces_the_grpc_timeout_it_receives()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        // Only the header is sent: without a local deadline the client waits for the server's verdict.
        using var handler = new RecordingHandler { OnRequest = request => request.Headers.Add("grpc-timeout", "200m") };
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { HttpHandler = handler });

        using var result = await CallAsync(client, "Wait", new EchoRequest());

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
        Assert.True(service.HandlerCancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task Caller_cancellation_reaches_the_server_handler()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address);
        using var cancellation = new CancellationTokenSource();

        var call = CallAsync(client, "Wait", new EchoRequest(), cancellationToken: cancellation.Token);
        await service.HandlerWaiting.Task.WaitAsync(Bound);
        await cancellation.CancelAsync();
        using var result = await call;

        Assert.Equal(GrpcStatusCode.Cancelled, result.Status.Code);
        Assert.Equal(StatusOrigin.Local, result.Status.Origin);
        await service.HandlerCancelled.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task Expired_deadline_fails_without_sending()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest(), deadlineUtc: DateTime.UtcNow.AddSeconds(-1));
        await using var call = client.StartCall(Method("Echo"), deadlineUtc: DateTime.UtcNow.AddSeconds(-1));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.Status.Code);
        Assert.Equal(StatusOrigin.Local, result.Status.Origin);
        Assert.False(await call.MoveNextAsync());
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, call.GetStatus().Code);
        Assert.Equal(0, service.Calls);
    }

    [Fact]
    public async Task Oversized_request_is_rejected_by_the_server()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service, new GrpcServerOptions { MaxReceiveMessageSize = 1024 });
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest { Payload = ByteString.CopyFrom(new byte[64 * 1024]) });

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
        Assert.Equal(0, service.Calls);
    }

    [Fact]
    public async Task Oversized_response_is_rejected_by_the_client()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { MaxReceiveMessageSize = 1024 });

        using var exact = await CallAsync(client, "Big", new EchoRequest { Count = 1021 });
        using var over = await CallAsync(client, "Big", new EchoRequest { Count = 4096 });

        Assert.Equal(1024, exact.Message.Length);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, over.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, over.Status.Origin);
    }

    [Fact]
    public async Task Client_send_limit_fails_locally_without_calling()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { MaxSendMessageSize = 100 });
        var large = new EchoRequest { Payload = ByteString.CopyFrom(new byte[200]) }.ToByteArray();

        using var result = await client.InvokeUnaryAsync(Method("Echo"), large).WaitAsync(Bound);
        await using var call = client.StartCall(Method("Collect"));
        var written = await call.WriteMessageAsync(large);

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.Status.Code);
        Assert.Equal(StatusOrigin.Local, result.Status.Origin);
        Assert.False(written);
        Assert.False(await call.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, call.GetStatus().Code);
        Assert.Equal(0, service.Calls);
    }

    [Fact]
    public async Task Server_send_limit_fails_the_call()
    {
        await using var server = await StartAsync(new EchoService(), new GrpcServerOptions { MaxSendMessageSize = 1024 });
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Big", new EchoRequest { Count = 4096 });

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
    }

    [Fact]
    public async Task Streaming_call_reports_the_server_error_and_refuses_further_writes()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);
        await using var call = client.StartCall(Method("Collect"));

        Assert.True(await call.WriteMessageAsync(new EchoRequest { Text = "fail" }.ToByteArray()));
        Assert.False(await call.MoveNextAsync().AsTask().WaitAsync(Bound));
        var written = await call.WriteMessageAsync(new EchoRequest { Text = "late" }.ToByteArray());

        Assert.Equal(GrpcStatusCode.FailedPrecondition, call.GetStatus().Code);
        Assert.Equal("asked to fail", call.GetStatus().Message);
        Assert.False(written);
    }

    [Fact]
    public async Task Streaming_deadline_interrupts_a_pending_read()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = await ConnectedClientAsync(server);
        await using var call = client.StartCall(Method("ExpandThenWait"), deadlineUtc: DateTime.UtcNow.AddSeconds(1.5));

        Assert.True(await call.WriteMessageAsync(new EchoRequest { Text = "first" }.ToByteArray()));
        await call.CompleteRequestAsync();
        Assert.True(await call.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.Equal("first", ParseCurrent(call).Text);
        Assert.False(await call.MoveNextAsync().AsTask().WaitAsync(Bound));

        // The server holds the same deadline (grpc-timeout) and ends the call on its own timer too: on a loaded machine
        // its DEADLINE_EXCEEDED trailers can arrive before the client's timer fires. Either way the pending read ends.
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, call.GetStatus().Code);
        Assert.Contains(call.GetStatus().Origin, new[] { StatusOrigin.Local, StatusOrigin.Backend });
        await service.HandlerCancelled.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task Disposing_an_unfinished_call_cancels_it_on_the_server()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address);
        var call = client.StartCall(Method("ExpandThenWait"));
        Assert.True(await call.WriteMessageAsync(new EchoRequest { Text = "first" }.ToByteArray()));
        await call.CompleteRequestAsync();
        await service.HandlerWaiting.Task.WaitAsync(Bound);

        await call.DisposeAsync().AsTask().WaitAsync(Bound);

        Assert.Equal(GrpcStatusCode.Cancelled, call.GetStatus().Code);
        Assert.Equal(StatusOrigin.Local, call.GetStatus().Origin);
        await service.HandlerCancelled.Task.WaitAsync(Bound);
    }

    [Theory]
    [InlineData("/strait.tests.wire.Echo/NoSuchMethod")]
    [InlineData("/strait.tests.wire.NoSuchService/Echo")]
    public async Task Unknown_method_or_service_is_unimplemented(string method)
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);

        using var result = await client.InvokeUnaryAsync(method, ReadOnlyMemory<byte>.Empty).WaitAsync(Bound);

        Assert.Equal(GrpcStatusCode.Unimplemented, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
    }

    /// <summary>
    /// A client whose HTTP/2 connection is already open, so a short deadline measures the call, not the connection
    /// set-up on a busy machine.
    /// </summary>
    private static async Task<GrpcClient> ConnectedClientAsync(GrpcServerHost server)
    {
        var client = new GrpcClient(server.Address);
        using var warmUp = await CallAsync(client, "Echo", new EchoRequest());
        Assert.Equal(GrpcStatusCode.Ok, warmUp.Status.Code);
        return client;
    }
}
