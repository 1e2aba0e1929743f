using System.Buffers;

namespace Strait.Buffers;

/// <summary>An array rented from <see cref="ArrayPool{T}.Shared"/> and the length of its meaningful prefix.</summary>
internal readonly struct RentedBuffer
{
    public RentedBuffer(byte[] array, int length)
    {
        Array = array;
        Length = length;
    }

    public byte[]? Array { get; }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => Array is null ? ReadOnlyMemory<byte>.Empty : Array.AsMemory(0, Length);

    public void Return()
    {
        if (Array is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(Array);
        }
    }
}
