using System.Buffers;
using System.Buffers.Text;

namespace Strait.Json;

/// <summary>Decodes standard or URL-safe base64, padded or not, as ProtoJSON requires for bytes.</summary>
internal static class Base64Text
{
    // The runtime's decoder skips these; ProtoJSON bytes must not contain them, so their presence rules out the fast path.
    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    public static int MaxDecodedLength(int textLength) => (textLength / 4 * 3) + 3;

    public static bool TryDecode(ReadOnlySpan<byte> text, Span<byte> destination, out int written)
    {
        // Standard padded base64, what every protobuf library writes, decodes in place without normalising a copy.
        if (text.Length % 4 == 0 && !text.ContainsAny(Whitespace)
            && Base64.DecodeFromUtf8(text, destination, out _, out written) == OperationStatus.Done)
        {
            return true;
        }

        written = 0;
        var length = text.Length;
        if (length > 0 && text[length - 1] == '=')
        {
            // Padding, when present, must complete the final quantum.
            length--;
            if (length > 0 && text[length - 1] == '=')
            {
                length--;
            }

            if (text.Length % 4 != 0)
            {
                return false;
            }
        }

        if (length % 4 == 1)
        {
            return false;
        }

        var paddedLength = (length + 3) & ~3;
        byte[]? rented = null;
        Span<byte> normalized = paddedLength <= 256 ? stackalloc byte[paddedLength] : (rented = ArrayPool<byte>.Shared.Rent(paddedLength));
        try
        {
            for (var i = 0; i < length; i++)
            {
                var c = text[i];
                normalized[i] = c switch
                {
                    (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'+' or (byte)'/' => c,
                    (byte)'-' => (byte)'+',
                    (byte)'_' => (byte)'/',
                    _ => 0,
                };
                if (normalized[i] == 0)
                {
                    return false;
                }
            }

            normalized[length..paddedLength].Fill((byte)'=');
            return Base64.DecodeFromUtf8(normalized[..paddedLength], destination, out _, out written) == OperationStatus.Done;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
