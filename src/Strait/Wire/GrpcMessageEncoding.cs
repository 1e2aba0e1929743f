using System.Buffers;
using System.Text;

namespace Strait.Wire;

/// <summary>
/// Percent-encoding of the <c>grpc-message</c> header: the message is UTF-8 and every byte outside 0x20-0x7E, and '%'
/// itself, is written as <c>%XX</c>.
/// </summary>
internal static class GrpcMessageEncoding
{
    private const int StackLimit = 512;

    /// <summary>
    /// The longest <c>grpc-message</c> Strait writes, in encoded characters. Messages echo what clients and backends
    /// sent (a service name, a path, an upstream's own message); unbounded, one request could build a header block
    /// that clients refuse (grpc-java's default limit is 8 KiB for all headers). Longer messages are cut on a
    /// character and end with "…".
    /// </summary>
    public const int MaxEncodedLength = 1024;

    // "…" (U+2026) percent-encoded.
    private const string EncodedEllipsis = "%E2%80%A6";

    /// <summary>Encodes a status message for the wire; returns the same instance when nothing needs escaping.</summary>
    public static string Encode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!NeedsEncoding(message))
        {
            return message;
        }

        var byteCount = Encoding.UTF8.GetByteCount(message);
        byte[]? rented = null;
        var utf8 = byteCount <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(byteCount));
        try
        {
            var length = Encoding.UTF8.GetBytes(message, utf8);
            var bytes = utf8[..length];
            var encodedLength = 0;
            foreach (var b in bytes)
            {
                encodedLength += IsUnreserved(b) ? 1 : 3;
            }

            var result = new StringBuilder(encodedLength);
            foreach (var b in bytes)
            {
                if (IsUnreserved(b))
                {
                    result.Append((char)b);
                }
                else
                {
                    result.Append('%').Append(ToHexDigit(b >> 4)).Append(ToHexDigit(b & 0xF));
                }
            }

            return result.ToString();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Encodes a status message for the wire, cut to at most <see cref="MaxEncodedLength"/> characters.</summary>
    public static string EncodeBounded(string message)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Every char encodes to at least one, so only the first MaxEncodedLength chars can be kept (a pair kept whole).
        var head = message.Length <= MaxEncodedLength ? message
            : message[..(char.IsHighSurrogate(message[MaxEncodedLength - 1]) ? MaxEncodedLength - 1 : MaxEncodedLength)];
        var encoded = Encode(head);
        if (encoded.Length <= MaxEncodedLength && head.Length == message.Length)
        {
            return encoded;
        }

        var end = MaxEncodedLength - EncodedEllipsis.Length;
        if (encoded.Length <= end)
        {
            return encoded + EncodedEllipsis;
        }

        // Escapes are whole bytes (%XX) and a UTF-8 sequence is cut before its lead byte, so what stays decodes cleanly.
        if (encoded[end - 1] == '%')
        {
            end--;
        }
        else if (encoded[end - 2] == '%')
        {
            end -= 2;
        }

        while (end >= 3 && encoded[end - 3] == '%' && IsContinuationByte(encoded[end - 2]))
        {
            end -= 3;
        }

        if (end >= 3 && encoded[end - 3] == '%' && IsLeadByte(encoded[end - 2]))
        {
            end -= 3;
        }

        return string.Concat(encoded.AsSpan(0, end), EncodedEllipsis);
    }

    /// <summary>
    /// Decodes a received <c>grpc-message</c>. Lenient as the spec asks: a '%' not followed by two hex digits is kept
    /// literally, and invalid UTF-8 becomes U+FFFD.
    /// </summary>
    public static string Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (!encoded.Contains('%', StringComparison.Ordinal))
        {
            return encoded;
        }

        // Every char that is not part of an escape is passed through as the UTF-8 bytes of that char.
        var maxBytes = Encoding.UTF8.GetMaxByteCount(encoded.Length);
        byte[]? rented = null;
        var bytes = maxBytes <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = 0;
            var text = encoded.AsSpan();
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '%' && i + 2 < text.Length && TryParseHexByte(text[i + 1], text[i + 2], out var decoded))
                {
                    bytes[length++] = decoded;
                    i += 2;
                }
                else if (text[i] < 0x80)
                {
                    bytes[length++] = (byte)text[i];
                }
                else
                {
                    var charLength = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                    length += Encoding.UTF8.GetBytes(text.Slice(i, charLength), bytes[length..]);
                    i += charLength - 1;
                }
            }

            return Encoding.UTF8.GetString(bytes[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool NeedsEncoding(string message)
    {
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                return true;
            }
        }

        return false;
    }

    // The first hex digit of an escape: 8-B starts a UTF-8 continuation byte (10xxxxxx), C-F a multi-byte lead byte.
    private static bool IsContinuationByte(char highDigit) => highDigit is '8' or '9' or 'A' or 'B';

    private static bool IsLeadByte(char highDigit) => highDigit is 'C' or 'D' or 'E' or 'F';

    private static bool IsUnreserved(byte b) => b is >= 0x20 and <= 0x7E and not (byte)'%';

    private static char ToHexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static bool TryParseHexByte(char high, char low, out byte value)
    {
        var h = HexValue(high);
        var l = HexValue(low);
        value = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
