using System.Buffers;
using System.IO.Compression;
using Strait.Buffers;

namespace Strait.Wire;

/// <summary>gzip for message payloads, into and out of pooled buffers.</summary>
internal static class GzipCodec
{
    private const int MinimumInitialOutput = 4096;

    // gRPC favours latency: the fastest level gets most of the size win on typical protobuf payloads.
    public static void Compress(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        using var gzip = new GZipStream(new BufferWriterStream(output), CompressionLevel.Fastest, leaveOpen: false);
        gzip.Write(message);
    }

    /// <summary>
    /// Decompresses <paramref name="compressed"/>, growing the output only up to <paramref name="maxSize"/> so a
    /// compression bomb is refused before it is inflated.
    /// </summary>
    public static RentedBuffer Decompress(byte[] compressed, int compressedLength, int maxSize)
    {
        var output = new PooledBufferWriter((int)Math.Min(maxSize, Math.Max(MinimumInitialOutput, compressedLength * 4L)), maxSize);
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed, 0, compressedLength, writable: false), CompressionMode.Decompress);
            while (true)
            {
                var room = maxSize - output.WrittenCount;
                if (room == 0)
                {
                    Span<byte> probe = stackalloc byte[1];
                    return gzip.Read(probe) == 0 ? output.Detach() : throw GrpcProtocolErrors.DecompressedMessageTooLarge(maxSize);
                }

                var span = output.GetSpan(Math.Min(room, MinimumInitialOutput));
                var read = gzip.Read(span[..Math.Min(span.Length, room)]);
                if (read == 0)
                {
                    return output.Detach();
                }

                output.Advance(read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw GrpcProtocolErrors.CorruptCompressedMessage(ex);
        }
        finally
        {
            output.Dispose();
        }
    }
}
