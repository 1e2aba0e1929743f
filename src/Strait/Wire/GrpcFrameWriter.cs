using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Strait.Buffers;

namespace Strait.Wire;

/// <summary>Writes length-prefixed gRPC messages (1-byte compressed flag, 4-byte big-endian length, payload).</summary>
internal static class GrpcFrameWriter
{
    /// <summary>The size of the frame prefix.</summary>
    public const int HeaderLength = 5;

    /// <summary>Writes the 5-byte prefix into <paramref name="destination"/>.</summary>
    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HeaderLength);
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Frames <paramref name="message"/>, compressing it when <paramref name="compression"/> asks for it.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> message, GrpcCompression compression)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (compression == GrpcCompression.None)
        {
            WriteHeader(output.GetSpan(HeaderLength), compressed: false, message.Length);
            output.Advance(HeaderLength);
            output.Write(message);
            return;
        }

        using var compressed = new PooledBufferWriter(message.Length / 2);
        GzipCodec.Compress(message, compressed);
        WriteHeader(output.GetSpan(HeaderLength), compressed: true, compressed.WrittenCount);
        output.Advance(HeaderLength);
        output.Write(compressed.WrittenSpan);
    }

    /// <summary>Serializes and frames a protobuf message whose size the caller already computed (and checked).</summary>
    internal static void Write(IBufferWriter<byte> output, IMessage message, int serializedSize, GrpcCompression compression)
    {
        if (compression == GrpcCompression.None)
        {
            WriteHeader(output.GetSpan(HeaderLength), compressed: false, serializedSize);
            output.Advance(HeaderLength);
            message.WriteTo(output);
            return;
        }

        using var serialized = new PooledBufferWriter(serializedSize);
        message.WriteTo(serialized);
        Write(output, serialized.WrittenSpan, compression);
    }
}
