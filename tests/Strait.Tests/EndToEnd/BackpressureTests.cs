using System.Globalization;
using Google.Protobuf;
using Strait.Echo.V1;
using Strait.Wire;
using Xunit.Abstractions;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Backpressure end to end: a gigabyte streamed through the gateway to a slow reader leaves the gateway's memory
/// bounded, and a reader that stops makes the backend's writes wait instead of the gateway buffering them, over
/// native gRPC and over REST NDJSON.
/// </summary>
[Collection(MeasuredAloneCollection.Name)]
public sealed class BackpressureTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MemoryLimit = 150L * 1024 * 1024;
    private const int Payload = 64 * 1024;
    private BackendBehindGateway stack = null!;

    public async Task InitializeAsync() => stack = await BackendBehindGateway.StartNodeEchoAsync("resilience:\n  default:\n    timeout: 00:04:00");

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task A_gigabyte_streamed_to_a_slow_reader_keeps_the_gateways_memory_under_150_MB()
    {
        const int count = 16 * 1024;
        using var client = new GrpcClient(stack.Gateway.Http2Address!);
        using var memory = new MemorySampler(stack.Gateway.ProcessId);
        await using var call = client.StartCall("/strait.echo.v1.StreamService/ServerStream", deadlineUtc: DateTime.UtcNow.AddMinutes(5));
        Assert.True(await call.WriteMessageAsync(new StreamRequest { Text = "gigabyte", Count = count, PayloadBytes = Payload }.ToByteArray()));
        await call.CompleteRequestAsync();

        long received = 0;
        var messages = 0;
        while (await call.MoveNextAsync())
        {
            received += StreamReply.Parser.ParseFrom(call.Current.Span).Payload.Length;
            // Slow phases: the reader stalls now and then, so the backend outruns it and must be held back.
            if (++messages % 2048 == 0)
            {
                await Task.Delay(300);
            }
        }

        Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
        Assert.Equal((long)count * Payload, received);
        output.WriteLine($"1 GiB in {messages} messages; the gateway's resident memory peaked at {memory.Peak / (1024 * 1024)} MB");
        Assert.True(memory.Peak < MemoryLimit, $"the gateway's resident memory peaked at {memory.Peak / (1024 * 1024)} MB");
    }

    [Fact]
    public async Task A_grpc_client_that_stops_reading_stalls_the_backends_writes()
    {
        using var client = new GrpcClient(stack.Gateway.Http2Address!);
        await using var call = client.StartCall("/strait.echo.v1.StreamService/ServerStream", deadlineUtc: DateTime.UtcNow.AddMinutes(2));
        Assert.True(await call.WriteMessageAsync(new StreamRequest { Text = "stalled-grpc", Count = 100_000, PayloadBytes = Payload }.ToByteArray()));
        await call.CompleteRequestAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await call.MoveNextAsync());
        }

        await AssertBackendStallsAsync("stalled-grpc");
    }

    [Fact]
    public async Task A_rest_client_that_stops_reading_an_ndjson_stream_stalls_the_backends_writes()
    {
        using var response = await stack.Gateway.Http.GetAsync(
            string.Create(CultureInfo.InvariantCulture, $"/v1/stream/stalled-rest?count=100000&payloadBytes={Payload}"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[Payload];
        Assert.True(await body.ReadAsync(buffer) > 0);

        await AssertBackendStallsAsync("stalled-rest");
    }

    [Fact]
    public async Task A_stalled_stream_past_the_idle_timeout_is_ended_and_gives_its_place_back()
    {
        await using var limited = await stack.StartEchoGatewayAsync("streaming:\n  idleTimeout: 00:00:00.500\n  maxStreamsPerClient: 1");
        using var client = new GrpcClient(limited.Http2Address!);
        await using var stalled = client.StartCall("/strait.echo.v1.StreamService/ServerStream", deadlineUtc: DateTime.UtcNow.AddMinutes(2));
        Assert.True(await stalled.WriteMessageAsync(new StreamRequest { Text = "idle-stalled", Count = 100_000, PayloadBytes = Payload }.ToByteArray()));
        await stalled.CompleteRequestAsync();
        Assert.True(await stalled.MoveNextAsync());

        // The reader stops; once nothing has passed for the idle timeout the gateway ends the stream, cancels the
        // backend and frees the client's only place, so a new stream is admitted.
        await stack.Backend.ServerStreamCancelledAtAsync("idle-stalled");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        GrpcStatusCode code;
        do
        {
            await using var next = client.StartCall("/strait.echo.v1.StreamService/ServerStream", deadlineUtc: DateTime.UtcNow.AddSeconds(10));
            await next.WriteMessageAsync(new StreamRequest { Text = "after", Count = 1 }.ToByteArray());
            await next.CompleteRequestAsync();
            await StreamServiceCalls.ReadAllAsync(next);
            code = next.GetStatus().Code;
        }
        while (code == GrpcStatusCode.ResourceExhausted && clock.Elapsed < TimeSpan.FromSeconds(10) && await Delay());

        Assert.Equal(GrpcStatusCode.Ok, code);

        static async Task<bool> Delay()
        {
            await Task.Delay(100);
            return true;
        }
    }

    /// <summary>The stream's written count stops moving, far short of the total, while the gateway's memory stays bounded.</summary>
    private async Task AssertBackendStallsAsync(string text)
    {
        using var memory = new MemorySampler(stack.Gateway.ProcessId);
        var previous = -1;
        var stable = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (stable < 4 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(250);
            var sent = (await stack.Backend.ServerStreamProgressAsync()).GetValueOrDefault(text, -1);
            stable = sent == previous ? stable + 1 : 0;
            previous = sent;
        }

        Assert.True(stable >= 4, $"the backend kept writing: {previous} replies after {clock.Elapsed}");
        // What sits in the flow-control windows and socket buffers between the two, not the whole stream.
        Assert.InRange(previous, 5, 1000);
        Assert.True(memory.Peak < MemoryLimit, $"the gateway's resident memory peaked at {memory.Peak / (1024 * 1024)} MB");
    }
}

/// <summary>
/// Tests that measure a process's memory run after the parallel ones, alone: other tests' CPU load starves the
/// gateway's GC threads and inflates the resident set they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAloneCollection
{
    public const string Name = "measured alone";
}
