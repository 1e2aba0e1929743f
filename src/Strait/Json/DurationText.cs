namespace Strait.Json;

/// <summary>ProtoJSON text for <c>google.protobuf.Duration</c>: <c>[-]seconds[.fraction]s</c>.</summary>
internal static class DurationText
{
    public const long MaxSeconds = 315_576_000_000;
    public const int MaxLength = 24; // "-315576000000.999999999s"

    public static bool TryParse(ReadOnlySpan<byte> text, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        var i = 0;
        var negative = text.Length > 0 && text[0] == '-';
        if (negative)
        {
            i++;
        }

        var start = i;
        for (; i < text.Length && (uint)(text[i] - '0') <= 9; i++)
        {
            if (i - start >= 12)
            {
                return false;
            }

            seconds = (seconds * 10) + (text[i] - '0');
        }

        if (i == start || seconds > MaxSeconds)
        {
            return false;
        }

        if (i < text.Length && text[i] == '.' && !TryParseFraction(text, ref i, out nanos))
        {
            return false;
        }

        if (i != text.Length - 1 || text[i] != 's')
        {
            return false;
        }

        if (negative)
        {
            seconds = -seconds;
            nanos = -nanos;
        }

        return true;
    }

    public static int Format(long seconds, int nanos, Span<byte> destination)
    {
        var length = 0;
        if (seconds < 0 || nanos < 0)
        {
            destination[length++] = (byte)'-';
        }

        var magnitude = (ulong)Math.Abs(seconds);
        magnitude.TryFormat(destination[length..], out var written);
        length += written;
        length += FormatFraction(Math.Abs(nanos), destination[length..]);
        destination[length] = (byte)'s';
        return length + 1;
    }

    public static bool IsValid(long seconds, int nanos) =>
        seconds is >= -MaxSeconds and <= MaxSeconds
        && nanos is >= -999_999_999 and <= 999_999_999
        && !(seconds > 0 && nanos < 0) && !(seconds < 0 && nanos > 0);

    /// <summary>Parses <c>.d{1,9}</c> at <paramref name="index"/> into nanoseconds.</summary>
    internal static bool TryParseFraction(ReadOnlySpan<byte> text, ref int index, out int nanos)
    {
        nanos = 0;
        var start = ++index;
        for (; index < text.Length && (uint)(text[index] - '0') <= 9; index++)
        {
            if (index - start >= 9)
            {
                return false;
            }

            nanos = (nanos * 10) + (text[index] - '0');
        }

        var digits = index - start;
        if (digits == 0)
        {
            return false;
        }

        for (var i = digits; i < 9; i++)
        {
            nanos *= 10;
        }

        return true;
    }

    /// <summary>Writes <c>.ddd</c>, <c>.dddddd</c> or <c>.ddddddddd</c> (nothing for zero), the shortest exact form.</summary>
    internal static int FormatFraction(int nanos, Span<byte> destination)
    {
        if (nanos == 0)
        {
            return 0;
        }

        destination[0] = (byte)'.';
        var (value, digits) = (nanos % 1_000_000) == 0 ? (nanos / 1_000_000, 3)
            : (nanos % 1_000) == 0 ? (nanos / 1_000, 6)
            : (nanos, 9);
        TimestampText.WriteDigits(destination.Slice(1, digits), value);
        return digits + 1;
    }
}
