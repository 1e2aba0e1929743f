using System.Buffers;

namespace Strait.Wire;

/// <summary>
/// Base64 for <c>-bin</c> header values. The spec asks senders to emit unpadded values and receivers to accept both.
/// </summary>
internal static class GrpcBinaryHeader
{
    private const int StackLimit = 256;

    /// <summary>Encodes to unpadded standard base64.</summary>
    public static string Encode(ReadOnlySpan<byte> value)
    {
        var maxLength = (value.Length + 2) / 3 * 4;
        char[]? rented = null;
        var chars = maxLength <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(maxLength));
        try
        {
            Convert.TryToBase64Chars(value, chars, out var written);
            while (written > 0 && chars[written - 1] == '=')
            {
                written--;
            }

            return new string(chars[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Decodes padded or unpadded standard base64, surrounding whitespace ignored.</summary>
    public static bool TryDecode(ReadOnlySpan<char> value, out byte[] bytes)
    {
        value = value.Trim();
        var remainder = value.Length % 4;
        if (remainder == 1)
        {
            bytes = [];
            return false;
        }

        var paddedLength = remainder == 0 ? value.Length : value.Length + (4 - remainder);
        char[]? rented = null;
        var padded = paddedLength <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(paddedLength));
        try
        {
            value.CopyTo(padded);
            padded[value.Length..paddedLength].Fill('=');
            var decoded = new byte[paddedLength / 4 * 3];
            if (!Convert.TryFromBase64Chars(padded[..paddedLength], decoded, out var written))
            {
                bytes = [];
                return false;
            }

            bytes = written == decoded.Length ? decoded : decoded[..written];
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
