using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Strait.Wire;

namespace Strait.Tests.Wire;

public sealed class FramingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Frames_split_across_many_buffers_are_reassembled()
    {
        var pipe = CreatePipe();
        var first = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var second = "second"u8.ToArray();
        var firstFrameLength = GrpcFrameWriter.HeaderLength + first.Length;
        var bytes = Frame(first).Concat(Frame(second)).ToArray();
        using var reader = new GrpcFrameReader(pipe.Reader);

        var read = reader.MoveNextAsync().AsTask();
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i == firstFrameLength)
            {
                Assert.True(await read.WaitAsync(Timeout));
                Assert.Equal(first, reader.Current.ToArray());
                read = reader.MoveNextAsync().AsTask();
            }

            Assert.False(read.IsCompleted, $"a message completed after byte {i}, before its last byte arrived");
            await pipe.Writer.WriteAsync(bytes.AsMemory(i, 1));
        }

        Assert.True(await read.WaitAsync(Timeout));
        Assert.Equal(second, reader.Current.ToArray());
        await pipe.Writer.CompleteAsync();
        Assert.False(await reader.MoveNextAsync().AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task Header_split_from_its_payload_waits_for_the_payload()
    {
        var pipe = CreatePipe();
        var frame = Frame("abc"u8.ToArray());
        using var reader = new GrpcFrameReader(pipe.Reader);

        await pipe.Writer.WriteAsync(frame.AsMemory(0, 3));
        var read = reader.MoveNextAsync().AsTask();
        Assert.False(read.IsCompleted);
        await pipe.Writer.WriteAsync(frame.AsMemory(3, 3));
        Assert.False(read.IsCompleted);
        await pipe.Writer.WriteAsync(frame.AsMemory(6));

        Assert.True(await read.WaitAsync(Timeout));
        Assert.Equal("abc"u8.ToArray(), reader.Current.ToArray());
    }

    [Fact]
    public async Task Message_of_exactly_the_limit_is_accepted()
    {
        var payload = new byte[1024];
        Random.Shared.NextBytes(payload);
        using var reader = await ReaderOverAsync(Frame(payload), maxMessageSize: 1024);

        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(payload, reader.Current.ToArray());
    }

    [Theory]
    [InlineData(16 * 1024 * 1024 + 1)]
    [InlineData(uint.MaxValue)]
    public void Message_over_the_limit_is_rejected_from_its_header_without_allocating(uint declaredLength)
    {
        const int limit = 16 * 1024 * 1024;
        var pipe = CreatePipe();
        var header = new byte[GrpcFrameWriter.HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), declaredLength);
        pipe.Writer.Write(header);
        Assert.True(pipe.Writer.FlushAsync().IsCompleted);
        using var reader = new GrpcFrameReader(pipe.Reader, limit);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = reader.MoveNextAsync();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The payload never arrives and the pipe stays open: only the header can have triggered the rejection.
        Assert.True(read.IsCompleted, "the reader waited for a payload it must refuse");
        var error = Assert.Throws<GrpcException>(() => read.GetAwaiter().GetResult());
        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, error.Status.Origin);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task Gzip_frame_round_trips_and_is_smaller()
    {
        var payload = Enumerable.Repeat("compressible text "u8.ToArray(), 500).SelectMany(b => b).ToArray();
        var pipe = CreatePipe();
        GrpcFrameWriter.Write(pipe.Writer, payload, GrpcCompression.Gzip);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();

        var wire = (await pipe.Reader.ReadAsync()).Buffer.ToArray();
        Assert.Equal(1, wire[0]);
        Assert.Equal(wire.Length - GrpcFrameWriter.HeaderLength, (int)BinaryPrimitives.ReadUInt32BigEndian(wire.AsSpan(1)));
        Assert.True(wire.Length < payload.Length / 4);

        using var reader = await ReaderOverAsync(wire, encoding: GrpcCompression.Gzip);
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(payload, reader.Current.ToArray());
    }

    [Fact]
    public async Task Uncompressed_writer_emits_flag_zero_and_big_endian_length()
    {
        var pipe = CreatePipe();
        GrpcFrameWriter.Write(pipe.Writer, new byte[258], GrpcCompression.None);
        await pipe.Writer.FlushAsync();

        var wire = (await pipe.Reader.ReadAsync()).Buffer.ToArray();
        Assert.Equal(new byte[] { 0, 0, 0, 1, 2 }, wire[..5]);
        Assert.Equal(263, wire.Length);
    }

    [Fact]
    public async Task Decompression_stops_at_the_limit()
    {
        const int limit = 1024 * 1024;
        var pipe = CreatePipe();
        GrpcFrameWriter.Write(pipe.Writer, new byte[32 * 1024 * 1024], GrpcCompression.Gzip);
        await pipe.Writer.FlushAsync();
        using var reader = new GrpcFrameReader(pipe.Reader, limit, GrpcCompression.Gzip);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = reader.MoveNextAsync();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(read.IsCompleted);
        var error = Assert.Throws<GrpcException>(() => read.GetAwaiter().GetResult());
        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status.Code);
        Assert.True(allocated < 8 * limit, $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task Compressed_flag_without_negotiated_encoding_is_internal()
    {
        var frame = Frame("x"u8.ToArray());
        frame[0] = 1;
        using var reader = await ReaderOverAsync(frame, encoding: GrpcCompression.None);

        var error = await Assert.ThrowsAsync<GrpcException>(() => reader.MoveNextAsync().AsTask());
        Assert.Equal(GrpcStatusCode.Internal, error.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, error.Status.Origin);
    }

    [Fact]
    public async Task Invalid_compressed_flag_is_internal()
    {
        var frame = Frame("x"u8.ToArray());
        frame[0] = 7;
        using var reader = await ReaderOverAsync(frame, encoding: GrpcCompression.Gzip);

        var error = await Assert.ThrowsAsync<GrpcException>(() => reader.MoveNextAsync().AsTask());
        Assert.Equal(GrpcStatusCode.Internal, error.Status.Code);
    }

    [Theory]
    [InlineData((byte)'{', 4)]
    [InlineData((byte)1, 4)]
    [InlineData((byte)0, 1)]
    public async Task A_refused_header_leaves_the_body_readable_for_whoever_drains_it(byte flag, int maxMessageSize)
    {
        // A JSON body sent as grpc-web: after the refusal, the server still drains the body to keep the connection.
        var pipe = CreatePipe();
        var frame = Frame("{\"id\":1}"u8.ToArray());
        frame[0] = flag;
        await pipe.Writer.WriteAsync(frame);
        await pipe.Writer.CompleteAsync();
        using var reader = new GrpcFrameReader(pipe.Reader, maxMessageSize);

        await Assert.ThrowsAsync<GrpcException>(() => reader.MoveNextAsync().AsTask());

        var rest = await pipe.Reader.ReadAsync();
        Assert.True(rest.IsCompleted);
        pipe.Reader.AdvanceTo(rest.Buffer.End);
    }

    [Fact]
    public async Task Corrupt_gzip_payload_is_internal()
    {
        var frame = Frame("definitely not gzip"u8.ToArray());
        frame[0] = 1;
        using var reader = await ReaderOverAsync(frame, encoding: GrpcCompression.Gzip);

        var error = await Assert.ThrowsAsync<GrpcException>(() => reader.MoveNextAsync().AsTask());
        Assert.Equal(GrpcStatusCode.Internal, error.Status.Code);
        Assert.NotNull(error.Status.DebugException);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(9)]
    public async Task Stream_ending_inside_a_frame_is_internal(int bytesSent)
    {
        var frame = Frame(new byte[10]);
        using var reader = await ReaderOverAsync(frame[..bytesSent]);

        var error = await Assert.ThrowsAsync<GrpcException>(() => reader.MoveNextAsync().AsTask());
        Assert.Equal(GrpcStatusCode.Internal, error.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, error.Status.Origin);
    }

    [Fact]
    public async Task Empty_messages_and_clean_end_are_distinguished()
    {
        using var reader = await ReaderOverAsync(Frame([]));

        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(0, reader.Current.Length);
        Assert.False(await reader.MoveNextAsync());
    }

    private static Pipe CreatePipe() =>
        new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false));

    private static async Task<GrpcFrameReader> ReaderOverAsync(
        byte[] bytes,
        int maxMessageSize = GrpcFrameReader.DefaultMaxMessageSize,
        GrpcCompression encoding = GrpcCompression.None)
    {
        var pipe = CreatePipe();
        await pipe.Writer.WriteAsync(bytes);
        await pipe.Writer.CompleteAsync();
        return new GrpcFrameReader(pipe.Reader, maxMessageSize, encoding);
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[GrpcFrameWriter.HeaderLength + payload.Length];
        GrpcFrameWriter.WriteHeader(frame, compressed: false, payload.Length);
        payload.CopyTo(frame, GrpcFrameWriter.HeaderLength);
        return frame;
    }
}
