using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

using System.Runtime.CompilerServices;
using Strait.Buffers;

namespace Strait.Wire;

/// <summary>
/// Reads length-prefixed gRPC messages (1-byte compressed flag, 4-byte big-endian length, payload) from a
/// <see cref="PipeReader"/>, one at a time, into pooled buffers.
/// </summary>
/// <remarks>
/// The declared length is checked against the limit before anything is allocated, and a compressed payload is
/// inflated no further than the limit. Violations throw <see cref="GrpcException"/> with
/// <see cref="StatusOrigin.Protocol"/>: <see cref="GrpcStatusCode.ResourceExhausted"/> for size,
/// <see cref="GrpcStatusCode.Internal"/> for malformed frames. The payload is consumed from the pipe as it arrives, so
/// HTTP/2 flow control keeps moving while a large message is assembled. A declared length is a claim, not memory: a
/// payload that has not all arrived is assembled in a buffer that grows with the bytes received, and its missing bytes
/// are reserved from the process-wide <see cref="ReceiveBudget"/> meanwhile (a frame that does not fit fails with
/// <see cref="GrpcStatusCode.ResourceExhausted"/>). The reader does not complete the pipe. Not thread-safe.
/// </remarks>
internal sealed class GrpcFrameReader : IDisposable
{
    /// <summary>The default receive limit, as in other gRPC implementations.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    // The first buffer of a payload that is still arriving, unless more of it came at once.
    private const int InitialAssemblyCapacity = 4096;

    private readonly PipeReader input;
    private readonly int maxMessageSize;
    private readonly GrpcCompression encoding;
    private readonly ReceiveBudget budget;
    private readonly ArrayPool<byte> pool;
    private RentedBuffer current;

    /// <param name="input">The request or response body.</param>
    /// <param name="maxMessageSize">The largest accepted payload, compressed and decompressed.</param>
    /// <param name="encoding">The <c>grpc-encoding</c> of the stream; compressed frames need <see cref="GrpcCompression.Gzip"/>.</param>
    public GrpcFrameReader(PipeReader input, int maxMessageSize = DefaultMaxMessageSize, GrpcCompression encoding = GrpcCompression.None)
        : this(input, maxMessageSize, encoding, ReceiveBudget.Process, ArrayPool<byte>.Shared)
    {
    }

    /// <param name="budget">What frames still arriving may hold back; the process-wide one outside tests.</param>
    /// <param name="pool">
    /// Where payload buffers are rented: <see cref="ArrayPool{T}.Shared"/> or a view of it (payloads are returned to the
    /// shared pool by whoever ends up holding them), so tests can see what the reader asks for.
    /// </param>
    internal GrpcFrameReader(PipeReader input, int maxMessageSize, GrpcCompression encoding, ReceiveBudget budget, ArrayPool<byte> pool)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageSize);
        this.input = input;
        this.maxMessageSize = Math.Min(maxMessageSize, Array.MaxLength);
        this.encoding = encoding;
        this.budget = budget;
        this.pool = pool;
    }

    /// <summary>The payload read by the last successful <see cref="MoveNextAsync"/>; valid until the next call or <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Current => current.Memory;

    /// <summary>Reads the next message; <see langword="false"/> when the stream ended cleanly between frames.</summary>
    /// <exception cref="GrpcException">The frame violates the protocol or the size limit.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        ReleaseCurrent();

        var header = await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (header is not var (compressed, length))
        {
            return false;
        }

        var payload = await ReadPayloadAsync(length, cancellationToken).ConfigureAwait(false);
        if (!compressed)
        {
            current = payload;
            return true;
        }

        try
        {
            current = GzipCodec.Decompress(payload.Array!, payload.Length, maxMessageSize);
        }
        finally
        {
            payload.Return();
        }

        return true;
    }

    public void Dispose() => ReleaseCurrent();

    /// <summary>Transfers the current payload's pooled array to the caller, who must return it.</summary>
    internal RentedBuffer DetachCurrent()
    {
        var detached = current;
        current = default;
        return detached;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(bool Compressed, int Length)?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfReadCanceled(result, cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length >= GrpcFrameWriter.HeaderLength)
            {
                try
                {
                    return ParseHeader(buffer.Slice(0, GrpcFrameWriter.HeaderLength));
                }
                finally
                {
                    // Also past a refused header: a pipe left mid-read refuses every later read, Kestrel's drain of
                    // the rest of the body included, which would cost the connection.
                    input.AdvanceTo(buffer.GetPosition(GrpcFrameWriter.HeaderLength));
                }
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? null : throw GrpcProtocolErrors.TruncatedFrame();
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private (bool Compressed, int Length) ParseHeader(ReadOnlySequence<byte> headerBytes)
    {
        Span<byte> header = stackalloc byte[GrpcFrameWriter.HeaderLength];
        headerBytes.CopyTo(header);

        var compressed = header[0] switch
        {
            0 => false,
            1 => true,
            _ => throw GrpcProtocolErrors.InvalidCompressedFlag(),
        };

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
        {
            throw GrpcProtocolErrors.MessageTooLarge(length, maxMessageSize);
        }

        if (compressed && encoding == GrpcCompression.None)
        {
            throw GrpcProtocolErrors.CompressedWithoutEncoding();
        }

        return (compressed, (int)length);
    }

    private ValueTask<RentedBuffer> ReadPayloadAsync(int length, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return new(new RentedBuffer([], 0));
        }

        if (!input.TryRead(out var result))
        {
            return AssembleAsync(null, length, cancellationToken);
        }

        ThrowIfReadCanceled(result, cancellationToken);
        var buffer = result.Buffer;
        if (buffer.Length >= length)
        {
            // The usual case: the payload is all here, so it is rented at its size and copied once.
            var payload = pool.Rent(length);
            buffer.Slice(0, length).CopyTo(payload);
            input.AdvanceTo(buffer.GetPosition(length));
            return new(new RentedBuffer(payload, length));
        }

        if (result.IsCompleted)
        {
            input.AdvanceTo(buffer.End);
            throw GrpcProtocolErrors.TruncatedFrame();
        }

        return AssembleAsync(result, length, cancellationToken);
    }

    /// <summary>
    /// Collects a payload that is still arriving. Its missing bytes are reserved from the budget until it is complete,
    /// and its buffer grows with the bytes received: a header alone costs no buffer, whatever length it declares.
    /// </summary>
    /// <param name="first">What the pipe already held of the payload, read and not yet advanced past; null for nothing.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RentedBuffer> AssembleAsync(ReadResult? first, int length, CancellationToken cancellationToken)
    {
        var missing = length - (first?.Buffer.Length ?? 0);
        if (!budget.TryReserve(missing))
        {
            if (first is { Buffer: var held })
            {
                input.AdvanceTo(held.Start, held.End);
            }

            throw GrpcProtocolErrors.ReceiveBudgetExhausted(length, budget.Capacity);
        }

        byte[] payload = [];
        var filled = 0;
        try
        {
            var result = first ?? await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                ThrowIfReadCanceled(result, cancellationToken);
                var buffer = result.Buffer;
                var take = (int)Math.Min(buffer.Length, length - filled);
                if (take > payload.Length - filled)
                {
                    payload = Grow(payload, filled, filled + take, length);
                }

                buffer.Slice(0, take).CopyTo(payload.AsSpan(filled));
                filled += take;
                input.AdvanceTo(buffer.GetPosition(take));
                if (filled == length)
                {
                    return new RentedBuffer(payload, length);
                }

                if (result.IsCompleted)
                {
                    throw GrpcProtocolErrors.TruncatedFrame();
                }

                result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            ReturnToPool(payload);
            throw;
        }
        finally
        {
            budget.Release(missing);
        }
    }

    // Doubling keeps the copies of a payload received in many small reads under one extra copy of it in total; a
    // payload that arrives in one read after its header is rented once, at its size.
    private byte[] Grow(byte[] payload, int filled, int needed, int length)
    {
        var grown = pool.Rent((int)Math.Min(length, Math.Max(needed, Math.Max(2L * payload.Length, InitialAssemblyCapacity))));
        payload.AsSpan(0, filled).CopyTo(grown);
        ReturnToPool(payload);
        return grown;
    }

    private void ReturnToPool(byte[] array)
    {
        if (array.Length > 0)
        {
            pool.Return(array);
        }
    }

    private void ThrowIfReadCanceled(ReadResult result, CancellationToken cancellationToken)
    {
        if (result.IsCanceled)
        {
            input.AdvanceTo(result.Buffer.Start);
            throw new OperationCanceledException("The pending read was canceled.", cancellationToken);
        }
    }

    private void ReleaseCurrent()
    {
        current.Return();
        current = default;
    }
}
