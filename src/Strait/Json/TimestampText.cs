namespace Strait.Json;

/// <summary>RFC 3339 text for <c>google.protobuf.Timestamp</c>, restricted as ProtoJSON specifies.</summary>
internal static class TimestampText
{
    public const long MinSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
    public const long MaxSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z
    public const int MaxLength = 35; // "9999-12-31T23:59:59.999999999+00:00"

    private const int SecondsPerDay = 86_400;

    /// <summary>
    /// Parses <c>YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)</c>. Upper-case <c>T</c> and <c>Z</c> only, as the
    /// ProtoJSON spec and Google.Protobuf require; leap seconds are rejected.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
        {
            return false;
        }

        if (!TryDigits(text[..4], out var year) || !TryDigits(text.Slice(5, 2), out var month) || !TryDigits(text.Slice(8, 2), out var day)
            || !TryDigits(text.Slice(11, 2), out var hour) || !TryDigits(text.Slice(14, 2), out var minute) || !TryDigits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var i = 19;
        if (text[i] == '.')
        {
            if (!DurationText.TryParseFraction(text, ref i, out nanos))
            {
                return false;
            }
        }

        var offsetSeconds = 0;
        if (i == text.Length - 1 && text[i] == 'Z')
        {
            i++;
        }
        else if (i == text.Length - 6 && text[i] is (byte)'+' or (byte)'-' && text[i + 3] == ':'
            && TryDigits(text.Slice(i + 1, 2), out var offsetHours) && TryDigits(text.Slice(i + 4, 2), out var offsetMinutes)
            && offsetHours <= 23 && offsetMinutes <= 59)
        {
            offsetSeconds = ((offsetHours * 60) + offsetMinutes) * 60 * (text[i] == '-' ? -1 : 1);
            i += 6;
        }
        else
        {
            return false;
        }

        seconds = (DaysFromCivil(year, month, day) * SecondsPerDay) + (hour * 3600) + (minute * 60) + second - offsetSeconds;
        return seconds is >= MinSeconds and <= MaxSeconds;
    }

    /// <summary>Formats as UTC with 0, 3, 6 or 9 fraction digits; the caller has validated the range.</summary>
    public static int Format(long seconds, int nanos, Span<byte> destination)
    {
        var days = Math.DivRem(seconds - MinSeconds, SecondsPerDay, out var secondOfDay) + DaysFromCivil(1, 1, 1);
        CivilFromDays(days, out var year, out var month, out var day);
        WriteDigits(destination[..4], year);
        destination[4] = (byte)'-';
        WriteDigits(destination.Slice(5, 2), month);
        destination[7] = (byte)'-';
        WriteDigits(destination.Slice(8, 2), day);
        destination[10] = (byte)'T';
        WriteDigits(destination.Slice(11, 2), (int)(secondOfDay / 3600));
        destination[13] = (byte)':';
        WriteDigits(destination.Slice(14, 2), (int)(secondOfDay / 60 % 60));
        destination[16] = (byte)':';
        WriteDigits(destination.Slice(17, 2), (int)(secondOfDay % 60));
        var length = 19 + DurationText.FormatFraction(nanos, destination[19..]);
        destination[length] = (byte)'Z';
        return length + 1;
    }

    public static bool IsValid(long seconds, int nanos) => seconds is >= MinSeconds and <= MaxSeconds && nanos is >= 0 and <= 999_999_999;

    internal static void WriteDigits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var b in text)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    // Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    private static long DaysFromCivil(int year, int month, int day)
    {
        year -= month <= 2 ? 1 : 0;
        var era = year / 400;
        var yearOfEra = year - (era * 400);
        var dayOfYear = ((153 * (month + (month > 2 ? -3 : 9))) + 2) / 5 + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146_097L) + dayOfEra - 719_468;
    }

    private static void CivilFromDays(long days, out int year, out int month, out int day)
    {
        days += 719_468;
        var era = days / 146_097;
        var dayOfEra = (int)(days - (era * 146_097));
        var yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var monthIndex = ((5 * dayOfYear) + 2) / 153;
        day = dayOfYear - (((153 * monthIndex) + 2) / 5) + 1;
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
        year = (int)(yearOfEra + (era * 400)) + (month <= 2 ? 1 : 0);
    }
}
