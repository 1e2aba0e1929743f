using System.Numerics;
using System.Runtime.CompilerServices;

namespace Strait.Json;

internal static class Varint
{
    public static uint MakeTag(int fieldNumber, WireType wireType) => ((uint)fieldNumber << 3) | (uint)wireType;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Size(ulong value) => ((64 - BitOperations.LeadingZeroCount(value | 1)) + 6) / 7;

    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static ulong ZigZag32(int value) => (uint)((value << 1) ^ (value >> 31));

    public static ulong ZigZag64(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static int UnZigZag32(uint value) => (int)(value >> 1) ^ -(int)(value & 1);

    public static long UnZigZag64(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}
