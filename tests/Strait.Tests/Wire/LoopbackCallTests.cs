using Google.Protobuf;
using Strait.Tests.Wire.Protos;
using Strait.Wire;
using static Strait.Tests.Wire.WireTestHost;

namespace Strait.Tests.Wire;

public sealed class LoopbackCallTests
{
    [Fact]
    public async Task Unary_call_round_trips_the_message()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest { Text = "hello", Payload = ByteString.CopyFromUtf8("bytes") });

        var reply = ParseReply(result);
        Assert.Equal("hello", reply.Text);
        Assert.Equal("bytes", reply.Payload.ToStringUtf8());
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
        Assert.Equal(1, service.Calls);
    }

    [Fact]
    public async Task Metadata_travels_both_ways_as_text_and_binary()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address);
        var binary = new byte[] { 0, 1, 2, 250, 255 };
        var headers = new GrpcMetadata
        {
            { "x-echo-text", "ascii value" },
            { "x-echo-text", "second value" },
            { "x-echo-bin", binary },
            { "x-ignored", "not echoed" },
        };

        using var result = await CallAsync(client, "Echo", new EchoRequest { Text = "m" }, headers);

        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
        // HttpClient sends repeated request keys as one comma-joined field, which HTTP and gRPC treat as equivalent.
        Assert.Equal(["ascii value, second value"], result.ResponseHeaders.GetValues("x-echo-text"));
        Assert.True(result.ResponseHeaders.TryGetBinaryValue("x-echo-bin", out var echoedBinary));
        Assert.Equal(binary, echoedBinary);
        Assert.Empty(result.ResponseHeaders.GetValues("x-ignored"));
        Assert.Equal(["ascii value, second value", "done"], result.Trailers.GetValues("x-trailer"));
        Assert.True(result.Trailers.TryGetBinaryValue("x-trailer-bin", out var trailerBinary));
        Assert.Equal(binary, trailerBinary);
        Assert.DoesNotContain(result.Trailers, entry => entry.Key.StartsWith("grpc-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_then_ok()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);
        await using var call = client.StartCall(Method("Expand"));

        Assert.True(await call.WriteMessageAsync(new EchoRequest { Text = "item", Count = 3 }.ToByteArray()));
        await call.CompleteRequestAsync();
        var texts = new List<string>();
        while (await call.MoveNextAsync().AsTask().WaitAsync(Bound))
        {
            texts.Add(ParseCurrent(call).Text);
        }

        Assert.Equal(["item-0", "item-1", "item-2"], texts);
        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
    }

    [Fact]
    public async Task Client_streaming_delivers_every_request_message()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);
        await using var call = client.StartCall(Method("Collect"));

        foreach (var text in new[] { "a", "b", "c" })
        {
            Assert.True(await call.WriteMessageAsync(new EchoRequest { Text = text }.ToByteArray()).AsTask().WaitAsync(Bound));
        }

        await call.CompleteRequestAsync();
        Assert.True(await call.MoveNextAsync().AsTask().WaitAsync(Bound));
        var reply = ParseCurrent(call);
        Assert.False(await call.MoveNextAsync().AsTask().WaitAsync(Bound));

        Assert.Equal("a,b,c", reply.Text);
        Assert.Equal(3, reply.Index);
        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
    }

    [Fact]
    public async Task Duplex_streaming_answers_each_message_before_the_request_ends()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);
        await using var call = client.StartCall(Method("Chat"));

        foreach (var (text, index) in new[] { ("one", 0), ("two", 1) })
        {
            Assert.True(await call.WriteMessageAsync(new EchoRequest { Text = text }.ToByteArray()).AsTask().WaitAsync(Bound));
            Assert.True(await call.MoveNextAsync().AsTask().WaitAsync(Bound));
            var reply = ParseCurrent(call);
            Assert.Equal(text.ToUpperInvariant(), reply.Text);
            Assert.Equal(index, reply.Index);
        }

        await call.CompleteRequestAsync();
        Assert.False(await call.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
    }

    [Fact]
    public async Task Streaming_call_exposes_response_headers_and_trailers()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);
        var headers = new GrpcMetadata { { "x-echo-id", "42" } };
        await using var call = client.StartCall(Method("Echo"), headers);

        Assert.True(await call.WriteMessageAsync(new EchoRequest { Text = "x" }.ToByteArray()));
        await call.CompleteRequestAsync();
        var responseHeaders = await call.ResponseHeadersAsync.WaitAsync(Bound);
        while (await call.MoveNextAsync().AsTask().WaitAsync(Bound))
        {
        }

        Assert.True(responseHeaders.TryGetValue("x-echo-id", out var id));
        Assert.Equal("42", id);
        Assert.Equal(["42", "done"], call.Trailers.GetValues("x-trailer"));
        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
    }

    [Fact]
    public async Task Gzip_compresses_requests_and_responses()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service, new GrpcServerOptions { ResponseCompression = GrpcCompression.Gzip });
        using var handler = new RecordingHandler();
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { HttpHandler = handler, RequestCompression = GrpcCompression.Gzip });
        var payload = ByteString.CopyFromUtf8(string.Concat(Enumerable.Repeat("compress me ", 10_000)));

        using var result = await CallAsync(client, "Echo", new EchoRequest { Payload = payload });

        Assert.Equal(payload, ParseReply(result).Payload);
        Assert.Equal("gzip", service.LastRequestEncoding);
        Assert.True(handler.LastResponse!.Headers.TryGetValues("grpc-encoding", out var responseEncoding));
        Assert.Equal("gzip", Assert.Single(responseEncoding));
    }

    [Fact]
    public async Task Response_is_not_compressed_unless_the_server_is_configured_to()
    {
        await using var server = await StartAsync(new EchoService());
        using var handler = new RecordingHandler();
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { HttpHandler = handler });

        using var result = await CallAsync(client, "Echo", new EchoRequest { Text = "plain" });

        Assert.Equal("plain", ParseReply(result).Text);
        Assert.False(handler.LastResponse!.Headers.Contains("grpc-encoding"));
    }

    [Fact]
    public async Task Client_sends_the_grpc_request_headers()
    {
        await using var server = await StartAsync(new EchoService());
        HttpRequestMessage? sent = null;
        using var handler = new RecordingHandler { OnRequest = request => sent = request };
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { HttpHandler = handler, UserAgent = "strait-test/1" });

        using var result = await CallAsync(client, "Echo", new EchoRequest(), deadlineUtc: DateTime.UtcNow.AddMinutes(1));

        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
        Assert.NotNull(sent);
        Assert.Equal(new Version(2, 0), sent.Version);
        Assert.Equal("application/grpc", sent.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("trailers", string.Join(",", sent.Headers.GetValues("te")));
        Assert.Equal("strait-test/1", string.Join(",", sent.Headers.GetValues("user-agent")));
        Assert.Equal("gzip", string.Join(",", sent.Headers.GetValues("grpc-accept-encoding")));
        Assert.True(GrpcTimeout.TryParse(string.Join(",", sent.Headers.GetValues("grpc-timeout")), out var timeout));
        Assert.InRange(timeout, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Client_is_reusable_across_concurrent_calls()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CallAsync(client, "Echo", new EchoRequest { Text = $"call {i}" })));

        for (var i = 0; i < results.Length; i++)
        {
            using var result = results[i];
            Assert.Equal($"call {i}", ParseReply(result).Text);
        }

        Assert.Equal(20, service.Calls);
    }

    [Fact]
    public async Task Disposing_a_unary_result_releases_its_message()
    {
        await using var server = await StartAsync(new EchoService());
        using var client = new GrpcClient(server.Address);
        var result = await CallAsync(client, "Echo", new EchoRequest { Text = "owned" });
        Assert.False(result.Message.IsEmpty);

        result.Dispose();

        Assert.True(result.Message.IsEmpty);
        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
    }
}
