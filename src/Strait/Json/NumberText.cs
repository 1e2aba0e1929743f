using System.Globalization;

namespace Strait.Json;

internal enum IntegerParseResult
{
    Ok,
    Malformed,
    NotIntegral,
    OutOfRange,
}

/// <summary>
/// Exact parsing of JSON number text. Integers are computed from the decimal digits (never via double)
/// so 64-bit values keep full precision, and exponent or fraction forms are accepted when integral.
/// </summary>
internal static class NumberText
{
    // Saturating the exponent here keeps the arithmetic exact for any input that fits in memory.
    private const long ExponentLimit = 1_000_000_000_000;

    public static IntegerParseResult ParseInteger(ReadOnlySpan<byte> text, out bool negative, out ulong magnitude)
    {
        magnitude = 0;
        if (!TrySplit(text, out negative, out var integerDigits, out var fractionDigits, out var exponent))
        {
            return IntegerParseResult.Malformed;
        }

        var digitCount = integerDigits.Length + fractionDigits.Length;
        var first = 0;
        while (first < digitCount && DigitAt(integerDigits, fractionDigits, first) == 0)
        {
            first++;
        }

        if (first == digitCount)
        {
            return IntegerParseResult.Ok;
        }

        var last = digitCount;
        while (DigitAt(integerDigits, fractionDigits, last - 1) == 0)
        {
            last--;
        }

        // Value = digits[first..last) × 10^scale, with the digit run ending in a non-zero digit.
        var scale = exponent - fractionDigits.Length + (digitCount - last);
        if (scale < 0)
        {
            return IntegerParseResult.NotIntegral;
        }

        if (last - first + scale > 20)
        {
            return IntegerParseResult.OutOfRange;
        }

        ulong value = 0;
        for (var i = first; i < last; i++)
        {
            if (!TryAppendDigit(ref value, DigitAt(integerDigits, fractionDigits, i)))
            {
                return IntegerParseResult.OutOfRange;
            }
        }

        for (var i = 0; i < scale; i++)
        {
            if (!TryAppendDigit(ref value, 0))
            {
                return IntegerParseResult.OutOfRange;
            }
        }

        magnitude = value;
        return IntegerParseResult.Ok;
    }

    /// <summary>Whether <paramref name="text"/> follows the JSON number grammar exactly.</summary>
    public static bool IsJsonNumber(ReadOnlySpan<byte> text) => TrySplit(text, out _, out _, out _, out _);

    /// <summary>Parses JSON number text, or the strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c> when <paramref name="allowSpecial"/>.</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, bool allowSpecial, out double value)
    {
        if (allowSpecial && TryParseSpecial(text, out value))
        {
            return true;
        }

        value = 0;
        return IsJsonNumber(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseFloat(ReadOnlySpan<byte> text, bool allowSpecial, out float value)
    {
        if (allowSpecial && TryParseSpecial(text, out var special))
        {
            value = (float)special;
            return true;
        }

        value = 0;
        return IsJsonNumber(text) && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static bool IsSpecialFloatingText(ReadOnlySpan<byte> text) => TryParseSpecial(text, out _);

    private static bool TryParseSpecial(ReadOnlySpan<byte> text, out double value)
    {
        if (text.SequenceEqual("NaN"u8))
        {
            value = double.NaN;
        }
        else if (text.SequenceEqual("Infinity"u8))
        {
            value = double.PositiveInfinity;
        }
        else if (text.SequenceEqual("-Infinity"u8))
        {
            value = double.NegativeInfinity;
        }
        else
        {
            value = 0;
            return false;
        }

        return true;
    }

    private static bool TryAppendDigit(ref ulong value, int digit)
    {
        if (value > (ulong.MaxValue - (ulong)digit) / 10)
        {
            return false;
        }

        value = (value * 10) + (ulong)digit;
        return true;
    }

    private static int DigitAt(ReadOnlySpan<byte> integerDigits, ReadOnlySpan<byte> fractionDigits, int index) =>
        (index < integerDigits.Length ? integerDigits[index] : fractionDigits[index - integerDigits.Length]) - '0';

    private static bool TrySplit(
        ReadOnlySpan<byte> text,
        out bool negative,
        out ReadOnlySpan<byte> integerDigits,
        out ReadOnlySpan<byte> fractionDigits,
        out long exponent)
    {
        integerDigits = default;
        fractionDigits = default;
        exponent = 0;
        var i = 0;
        negative = text.Length > 0 && text[0] == '-';
        if (negative)
        {
            i++;
        }

        var start = i;
        i = SkipDigits(text, i);
        if (i == start || (text[start] == '0' && i - start > 1))
        {
            return false;
        }

        integerDigits = text[start..i];
        if (i < text.Length && text[i] == '.')
        {
            start = ++i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }

            fractionDigits = text[start..i];
        }

        if (i < text.Length && (text[i] | 0x20) == 'e')
        {
            i++;
            var exponentNegative = false;
            if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
            {
                exponentNegative = text[i] == '-';
                i++;
            }

            start = i;
            for (; i < text.Length && IsDigit(text[i]); i++)
            {
                exponent = Math.Min((exponent * 10) + (text[i] - '0'), ExponentLimit);
            }

            if (i == start)
            {
                return false;
            }

            exponent = exponentNegative ? -exponent : exponent;
        }

        return i == text.Length;
    }

    private static int SkipDigits(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
