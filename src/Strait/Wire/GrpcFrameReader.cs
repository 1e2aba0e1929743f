using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

using System.Runtime.CompilerServices;

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
/// HTTP/2 flow control keeps moving while a large message is assembled. The reader does not complete the pipe.
/// Not thread-safe.
/// </remarks>
public sealed class GrpcFrameReader : IDisposable
{
    /// <summary>The default receive limit, as in other gRPC implementations.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    private readonly PipeReader _input;
    private readonly int _maxMessageSize;
    private readonly GrpcCompression _encoding;
    private RentedBuffer _current;

    /// <param name="input">The request or response body.</param>
    /// <param name="maxMessageSize">The largest accepted payload, compressed and decompressed.</param>
    /// <param name="encoding">The <c>grpc-encoding</c> of the stream; compressed frames need <see cref="GrpcCompression.Gzip"/>.</param>
    public GrpcFrameReader(PipeReader input, int maxMessageSize = DefaultMaxMessageSize, GrpcCompression encoding = GrpcCompression.None)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageSize);
        _input = input;
        _maxMessageSize = Math.Min(maxMessageSize, Array.MaxLength);
        _encoding = encoding;
    }

    /// <summary>The payload read by the last successful <see cref="MoveNextAsync"/>; valid until the next call or <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Current => _current.Memory;

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
            _current = payload;
            return true;
        }

        try
        {
            _current = GzipCodec.Decompress(payload.Array!, payload.Length, _maxMessageSize);
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
        var detached = _current;
        _current = default;
        return detached;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(bool Compressed, int Length)?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
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
                    _input.AdvanceTo(buffer.GetPosition(GrpcFrameWriter.HeaderLength));
                }
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? null : throw GrpcProtocolErrors.TruncatedFrame();
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
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
        if (length > (uint)_maxMessageSize)
        {
            throw GrpcProtocolErrors.MessageTooLarge(length, _maxMessageSize);
        }

        if (compressed && _encoding == GrpcCompression.None)
        {
            throw GrpcProtocolErrors.CompressedWithoutEncoding();
        }

        return (compressed, (int)length);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RentedBuffer> ReadPayloadAsync(int length, CancellationToken cancellationToken)
    {
        var payload = new RentedBuffer(length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length), length);
        try
        {
            var filled = 0;
            while (filled < length)
            {
                var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ThrowIfReadCanceled(result, cancellationToken);
                var buffer = result.Buffer;
                var take = (int)Math.Min(buffer.Length, length - filled);
                buffer.Slice(0, take).CopyTo(payload.Array.AsSpan(filled));
                filled += take;
                _input.AdvanceTo(buffer.GetPosition(take));
                if (filled < length && result.IsCompleted)
                {
                    throw GrpcProtocolErrors.TruncatedFrame();
                }
            }

            return payload;
        }
        catch
        {
            payload.Return();
            throw;
        }
    }

    private void ThrowIfReadCanceled(ReadResult result, CancellationToken cancellationToken)
    {
        if (result.IsCanceled)
        {
            _input.AdvanceTo(result.Buffer.Start);
            throw new OperationCanceledException("The pending read was canceled.", cancellationToken);
        }
    }

    private void ReleaseCurrent()
    {
        _current.Return();
        _current = default;
    }
}
