using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Strait.Routing;

internal enum PercentDecodeMode
{
    /// <summary>Every <c>%XX</c> escape is decoded.</summary>
    All,

    /// <summary>
    /// Every escape except <c>%2F</c>/<c>%2f</c>, which stay as written: http.proto's rule for variables that
    /// capture several segments, so a decoded slash cannot be confused with a segment separator.
    /// </summary>
    AllButSlash,

    /// <summary>Like <see cref="All"/>, and <c>+</c> means a space (HTML form encoding, used by query strings).</summary>
    Form,
}

internal enum PercentDecodeStatus
{
    Decoded,
    MalformedEscape,
    InvalidUtf8,
}

/// <summary>RFC 3986 percent-encoding helpers that work on spans of the raw request target.</summary>
internal static class PercentEncoding
{
    private const int StackBufferBytes = 512;

    public static bool IsUnreserved(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    public static bool IsHexDigit(char c) => char.IsAsciiHexDigit(c);

    /// <summary>Returns the index of the first <c>%</c> not followed by two hex digits, or -1.</summary>
    public static int FindMalformedEscape(ReadOnlySpan<char> text)
    {
        var offset = 0;
        while (true)
        {
            var percent = text[offset..].IndexOf('%');
            if (percent < 0)
            {
                return -1;
            }

            var index = offset + percent;
            if (index + 2 >= text.Length || !IsHexDigit(text[index + 1]) || !IsHexDigit(text[index + 2]))
            {
                return index;
            }

            offset = index + 3;
        }
    }

    /// <summary>
    /// Writes the canonical form used to compare literals: escapes of unreserved characters are decoded (RFC 3986
    /// §6.2.2.2 says they are equivalent to the character) and the hex digits of the remaining escapes are
    /// upper-cased. <paramref name="text"/> must be well formed; the result is never longer than the input.
    /// </summary>
    public static int Normalize(ReadOnlySpan<char> text, Span<char> destination)
    {
        var written = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                destination[written++] = c;
                continue;
            }

            var decoded = (char)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
            if (IsUnreserved(decoded))
            {
                destination[written++] = decoded;
            }
            else
            {
                destination[written++] = '%';
                destination[written++] = char.ToUpperInvariant(text[i + 1]);
                destination[written++] = char.ToUpperInvariant(text[i + 2]);
            }

            i += 2;
        }

        return written;
    }

    public static string Normalize(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        Span<char> buffer = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        var length = Normalize(text, buffer);
        return new string(buffer[..length]);
    }

    /// <summary>Decodes <paramref name="text"/>; the decoded bytes must be UTF-8.</summary>
    public static PercentDecodeStatus TryDecode(ReadOnlySpan<char> text, PercentDecodeMode mode, out string value)
    {
        var needsDecoding = mode == PercentDecodeMode.Form ? text.IndexOfAny('%', '+') >= 0 : text.Contains('%');
        if (!needsDecoding)
        {
            value = new string(text);
            return PercentDecodeStatus.Decoded;
        }

        value = string.Empty;
        var maxBytes = text.Length * 3;
        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= StackBufferBytes
            ? stackalloc byte[StackBufferBytes]
            : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var status = DecodeToBytes(text, mode, buffer, out var length);
            if (status != PercentDecodeStatus.Decoded)
            {
                return status;
            }

            var bytes = buffer[..length];
            if (!Utf8.IsValid(bytes))
            {
                return PercentDecodeStatus.InvalidUtf8;
            }

            value = Encoding.UTF8.GetString(bytes);
            return PercentDecodeStatus.Decoded;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static PercentDecodeStatus DecodeToBytes(
        ReadOnlySpan<char> text, PercentDecodeMode mode, Span<byte> buffer, out int length)
    {
        length = 0;
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !IsHexDigit(text[i + 1]) || !IsHexDigit(text[i + 2]))
                {
                    return PercentDecodeStatus.MalformedEscape;
                }

                var decoded = (byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
                if (decoded == (byte)'/' && mode == PercentDecodeMode.AllButSlash)
                {
                    buffer[length++] = (byte)'%';
                    buffer[length++] = (byte)text[i + 1];
                    buffer[length++] = (byte)text[i + 2];
                }
                else
                {
                    buffer[length++] = decoded;
                }

                i += 3;
            }
            else if (c == '+' && mode == PercentDecodeMode.Form)
            {
                buffer[length++] = (byte)' ';
                i++;
            }
            else if (char.IsAscii(c))
            {
                buffer[length++] = (byte)c;
                i++;
            }
            else
            {
                // A raw non-ASCII character was already decoded by whoever produced the string; keep it as UTF-8.
                if (Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed) != OperationStatus.Done)
                {
                    return PercentDecodeStatus.InvalidUtf8;
                }

                length += rune.EncodeToUtf8(buffer[length..]);
                i += consumed;
            }
        }

        return PercentDecodeStatus.Decoded;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
