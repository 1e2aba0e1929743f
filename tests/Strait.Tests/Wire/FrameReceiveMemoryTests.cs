using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Strait.Configuration;
using Strait.Hosting;
using Strait.Wire;

namespace Strait.Tests.Wire;

/// <summary>
/// What a frame's declared length may cost before its bytes arrive: memory follows the bytes received, and the bytes
/// announced but missing are bounded by a budget shared by all frames.
/// </summary>
public sealed class FrameReceiveMemoryTests
{
    private const int FourMegabytes = 4 * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_header_declaring_4_MiB_followed_by_10_bytes_does_not_rent_4_MiB()
    {
        var pipe = CreatePipe();
        var pool = new RecordingPool();
        var budget = new ReceiveBudget(ReceiveBudget.DefaultCapacity);
        using var reader = new GrpcFrameReader(pipe.Reader, FourMegabytes, GrpcCompression.None, budget, pool);

        await pipe.Writer.WriteAsync(Header(FourMegabytes));
        await pipe.Writer.WriteAsync(new byte[10]);
        var read = reader.MoveNextAsync().AsTask();

        Assert.False(read.IsCompleted);
        Assert.True(pool.LargestRequest <= 64 * 1024, $"the reader rented {pool.LargestRequest} bytes for 10 received");
        await pipe.Writer.CompleteAsync();
        var error = await Assert.ThrowsAsync<GrpcException>(() => read.WaitAsync(Timeout));
        Assert.Equal(GrpcStatusCode.Internal, error.Status.Code);
        Assert.Equal(0, budget.Reserved);
    }

    [Fact]
    public async Task A_body_that_ends_short_of_the_declared_length_is_refused_without_renting()
    {
        // What grpc-web-text becomes: its whole body decoded, then read as a finished stream.
        var pipe = CreatePipe();
        var pool = new RecordingPool();
        await pipe.Writer.WriteAsync(Header(FourMegabytes));
        await pipe.Writer.WriteAsync(new byte[10]);
        await pipe.Writer.CompleteAsync();
        using var reader = new GrpcFrameReader(pipe.Reader, FourMegabytes, GrpcCompression.None, new ReceiveBudget(ReceiveBudget.DefaultCapacity), pool);

        var error = await Assert.ThrowsAsync<GrpcException>(() => reader.MoveNextAsync().AsTask());

        Assert.Equal(GrpcStatusCode.Internal, error.Status.Code);
        Assert.Empty(pool.Requests);
    }

    [Fact]
    public async Task The_buffer_grows_with_the_bytes_that_arrive()
    {
        const int length = 1024 * 1024;
        const int chunk = 16 * 1024;
        var payload = new byte[length];
        Random.Shared.NextBytes(payload);
        var pipe = CreatePipe();
        var pool = new RecordingPool();
        using var reader = new GrpcFrameReader(pipe.Reader, FourMegabytes, GrpcCompression.None, new ReceiveBudget(ReceiveBudget.DefaultCapacity), pool);

        await pipe.Writer.WriteAsync(Header(length));
        var read = reader.MoveNextAsync().AsTask();
        for (var sent = 0; sent < length; sent += chunk)
        {
            await pipe.Writer.WriteAsync(payload.AsMemory(sent, chunk));
            var received = sent + chunk;
            // Doubling from a few KiB: never more than twice what arrived, plus the array being replaced.
            Assert.True(pool.Outstanding <= (2L * received) + (64 * 1024), $"{pool.Outstanding} bytes held for {received} received");
        }

        Assert.True(await read.WaitAsync(Timeout));
        Assert.Equal(payload, reader.Current.ToArray());
    }

    [Fact]
    public async Task A_payload_already_buffered_is_rented_once_and_reserves_nothing()
    {
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        var pipe = CreatePipe();
        var pool = new RecordingPool();
        // Too small for any reservation: the frame must not need one.
        var budget = new ReceiveBudget(1);
        await pipe.Writer.WriteAsync(Header(payload.Length));
        await pipe.Writer.WriteAsync(payload);
        using var reader = new GrpcFrameReader(pipe.Reader, FourMegabytes, GrpcCompression.None, budget, pool);

        Assert.True(await reader.MoveNextAsync());

        Assert.Equal(payload, reader.Current.ToArray());
        Assert.Equal([payload.Length], pool.Requests);
    }

    [Fact]
    public async Task Frames_announcing_more_than_the_budget_is_left_are_refused_with_resource_exhausted()
    {
        var budget = new ReceiveBudget(1024 * 1024);
        var first = CreatePipe();
        var second = CreatePipe();
        using var holding = new GrpcFrameReader(first.Reader, FourMegabytes, GrpcCompression.None, budget, ArrayPool<byte>.Shared);
        using var refused = new GrpcFrameReader(second.Reader, FourMegabytes, GrpcCompression.None, budget, ArrayPool<byte>.Shared);

        await first.Writer.WriteAsync(Header(768 * 1024));
        var held = holding.MoveNextAsync().AsTask();
        await second.Writer.WriteAsync(Header(512 * 1024));
        var read = refused.MoveNextAsync().AsTask();

        Assert.False(held.IsCompleted);
        Assert.True(read.IsCompleted, "a frame the budget cannot take waited for its payload");
        var error = await Assert.ThrowsAsync<GrpcException>(() => read);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, error.Status.Origin);

        await first.Writer.WriteAsync(new byte[768 * 1024]);
        Assert.True(await held.WaitAsync(Timeout));
        Assert.Equal(0, budget.Reserved);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("truncated")]
    [InlineData("cancelled")]
    [InlineData("read cancelled")]
    public async Task The_reservation_is_released_however_the_frame_ends(string ending)
    {
        const int length = 100_000;
        var budget = new ReceiveBudget(ReceiveBudget.DefaultCapacity);
        var pipe = CreatePipe();
        using var cancellation = new CancellationTokenSource();
        using var reader = new GrpcFrameReader(pipe.Reader, length, GrpcCompression.None, budget, ArrayPool<byte>.Shared);

        await pipe.Writer.WriteAsync(Header(length));
        await pipe.Writer.WriteAsync(new byte[1000]);
        var read = reader.MoveNextAsync(cancellation.Token).AsTask();
        Assert.Equal(length - 1000, budget.Reserved);

        switch (ending)
        {
            case "completed":
                await pipe.Writer.WriteAsync(new byte[length - 1000]);
                Assert.True(await read.WaitAsync(Timeout));
                break;
            case "truncated":
                await pipe.Writer.CompleteAsync();
                Assert.Equal(GrpcStatusCode.Internal, (await Assert.ThrowsAsync<GrpcException>(() => read.WaitAsync(Timeout))).Status.Code);
                break;
            case "cancelled":
                await cancellation.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Timeout));
                break;
            default:
                pipe.Reader.CancelPendingRead();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Timeout));
                break;
        }

        Assert.Equal(0, budget.Reserved);
    }

    [Fact]
    public async Task Concurrent_reservations_never_exceed_the_capacity_and_all_come_back()
    {
        const long capacity = 1000;
        var budget = new ReceiveBudget(capacity);
        long granted = 0;
        var overshoot = false;
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 20_000; i++)
            {
                var bytes = random.Next(1, 300);
                if (budget.TryReserve(bytes))
                {
                    overshoot |= Interlocked.Add(ref granted, bytes) > capacity;
                    Interlocked.Add(ref granted, -bytes);
                    budget.Release(bytes);
                }
            }
        }));

        await Task.WhenAll(workers).WaitAsync(Timeout);

        Assert.False(overshoot);
        Assert.Equal(0, budget.Reserved);
        Assert.False(budget.TryReserve(capacity + 1));
        Assert.True(budget.TryReserve(capacity));
    }

    [Fact]
    public void The_budget_is_configured_as_limits_maxPendingMessageBytes_and_holds_at_least_the_largest_message()
    {
        Assert.Equal(ReceiveBudget.DefaultCapacity, Load([]).Limits.MaxPendingMessageBytes);
        Assert.Equal(8L * 1024 * 1024, Load(new() { ["limits:maxPendingMessageBytes"] = "8388608" }).Limits.MaxPendingMessageBytes);

        var tooSmall = Assert.Throws<StraitConfigurationException>(() => Load(new() { ["limits:maxPendingMessageBytes"] = "1048576" }));
        Assert.Contains("limits.maxPendingMessageBytes", tooSmall.Message, StringComparison.Ordinal);
        var belowClusterLimit = Assert.Throws<StraitConfigurationException>(() => Load(new()
        {
            ["limits:maxPendingMessageBytes"] = "8388608",
            ["clusters:big:addresses:0"] = "http://127.0.0.1:9",
            ["clusters:big:maxResponseMessageSize"] = "16777216",
        }));
        Assert.Contains("16777216", belowClusterLimit.Message, StringComparison.Ordinal);

        static StraitOptions Load(Dictionary<string, string?> overrides)
        {
            overrides["backend:reflection"] = "true";
            overrides["backend:addresses:0"] = "http://127.0.0.1:9";
            return StraitConfiguration.Load(null, overrides).Options;
        }
    }

    private static Pipe CreatePipe() =>
        new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false));

    private static byte[] Header(int length)
    {
        var header = new byte[GrpcFrameWriter.HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)length);
        return header;
    }

    /// <summary>Hands out the shared pool's arrays and records what was asked for and what is still out.</summary>
    private sealed class RecordingPool : ArrayPool<byte>
    {
        private readonly List<int> requests = [];
        private long outstanding;

        public IReadOnlyList<int> Requests
        {
            get
            {
                lock (requests)
                {
                    return [.. requests];
                }
            }
        }

        public int LargestRequest => Requests.DefaultIfEmpty(0).Max();

        public long Outstanding => Interlocked.Read(ref outstanding);

        public override byte[] Rent(int minimumLength)
        {
            lock (requests)
            {
                requests.Add(minimumLength);
            }

            var array = Shared.Rent(minimumLength);
            Interlocked.Add(ref outstanding, array.Length);
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            Interlocked.Add(ref outstanding, -array.Length);
            Shared.Return(array, clearArray);
        }
    }
}
