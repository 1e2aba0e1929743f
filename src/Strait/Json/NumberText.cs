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

    // Up to 15 decimal digits are below 2^53 and 10^22 is the largest power of ten a double holds exactly; for
    // float, 7 digits are below 2^24 and 10^10 (2^10 × 5^10, with 5^10 < 2^24) is exact.
    private const int MaxExactDoubleDigits = 15;
    private const int MaxExactDoubleScale = 22;
    private const int MaxExactFloatDigits = 7;
    private const int MaxExactFloatScale = 10;

    /// <summary>10^0 … 10^22, every power of ten a double holds exactly.</summary>
    internal static readonly double[] ExactPowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    public static IntegerParseResult ParseInteger(ReadOnlySpan<byte> text, out bool negative, out ulong magnitude)
    {
        if (TryParsePlainInteger(text, out negative, out magnitude))
        {
            return IntegerParseResult.Ok;
        }

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

    /// <summary>
    /// The common form: an optional '-' and up to 19 digits without a leading zero, which always fit in 64 bits,
    /// read in one loop without splitting the text into parts.
    /// </summary>
    private static bool TryParsePlainInteger(ReadOnlySpan<byte> text, out bool negative, out ulong magnitude)
    {
        const int MaxPlainDigits = 19;
        magnitude = 0;
        negative = text.Length > 0 && text[0] == '-';
        var digits = negative ? text[1..] : text;
        if (digits.IsEmpty || digits.Length > MaxPlainDigits || (digits[0] == '0' && digits.Length > 1))
        {
            return false;
        }

        ulong value = 0;
        foreach (var b in digits)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        magnitude = value;
        return true;
    }

    /// <summary>Parses JSON number text, or the strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c> when <paramref name="allowSpecial"/>.</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, bool allowSpecial, out double value)
    {
        if (allowSpecial && TryParseSpecial(text, out value))
        {
            return true;
        }

        value = 0;
        if (!TrySplit(text, out var negative, out var integerDigits, out var fractionDigits, out var exponent))
        {
            return false;
        }

        if (TryComposeExactly(integerDigits, fractionDigits, exponent, MaxExactDoubleDigits, MaxExactDoubleScale, out var magnitude))
        {
            value = negative ? -magnitude : magnitude;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseFloat(ReadOnlySpan<byte> text, bool allowSpecial, out float value)
    {
        if (allowSpecial && TryParseSpecial(text, out var special))
        {
            value = (float)special;
            return true;
        }

        value = 0;
        if (!TrySplit(text, out var negative, out var integerDigits, out var fractionDigits, out var exponent))
        {
            return false;
        }

        // Float's operands (at most 7 digits, 10^10) are exact in float too, and one double operation rounded to
        // float is correctly rounded because double has more than twice float's precision.
        if (TryComposeExactly(integerDigits, fractionDigits, exponent, MaxExactFloatDigits, MaxExactFloatScale, out var magnitude))
        {
            value = (float)(negative ? -magnitude : magnitude);
            return true;
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Clinger's fast path: when the digits form an integer m that is exact in binary and the decimal scale s is
    /// small enough that 10^|s| is exact too, m × 10^s (or m / 10^-s) is a single correctly rounded IEEE operation,
    /// which is the correctly rounded value of the text — what the general parser computes, at a fraction of the cost.
    /// </summary>
    private static bool TryComposeExactly(
        ReadOnlySpan<byte> integerDigits,
        ReadOnlySpan<byte> fractionDigits,
        long exponent,
        int maxDigits,
        int maxScale,
        out double magnitude)
    {
        magnitude = 0;
        var scale = exponent - fractionDigits.Length;
        if (integerDigits.Length + fractionDigits.Length > maxDigits || scale < -maxScale || scale > maxScale)
        {
            return false;
        }

        ulong digits = 0;
        foreach (var digit in integerDigits)
        {
            digits = (digits * 10) + (ulong)(digit - '0');
        }

        foreach (var digit in fractionDigits)
        {
            digits = (digits * 10) + (ulong)(digit - '0');
        }

        magnitude = scale < 0 ? digits / ExactPowersOfTen[-scale] : digits * ExactPowersOfTen[scale];
        return true;
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
