namespace Strait.Json;

/// <summary>
/// Writes floats and doubles that are short decimals (prices, ratios, coordinates: a handful of fraction digits)
/// as the same shortest round-trip text <see cref="System.Text.Json.Utf8JsonWriter"/> would write, without the
/// general shortest-digits algorithm, which costs about 100 ns a value. Other values are declined and go to the
/// general formatter.
/// </summary>
/// <remarks>
/// For k = 0, 1, 2, … fraction digits the candidate is n = round(|v|·10^k), and it is the answer when n / 10^k
/// converts back to v. That conversion is exact: n and 10^k are exact in the value's type and IEEE division is
/// correctly rounded, so it yields what a parser yields for the decimal text (for floats the division runs in
/// double and is rounded to float once more, which is still correctly rounded because double carries more than
/// twice float's precision). Keeping n well under the type's precision (2^49 of 2^53, 2^20 of 2^24) leaves at
/// least 8 ulps between candidates, so at most one candidate per k converts back and rounding the product cannot
/// pick the wrong one: the first k that succeeds has the fewest digits, which is the shortest round-trip text.
/// The magnitude range is where .NET writes fixed notation rather than an exponent.
/// </remarks>
internal static class ShortDecimalText
{
    /// <summary>Longest text written: a sign, 15 digits, a point and the leading zeros of 0.000…</summary>
    public const int MaxLength = 24;

    private const int MaxDoubleFractionDigits = 7;
    private const int MaxFloatFractionDigits = 6;
    private const double MaxDoubleCandidate = 562_949_953_421_312d; // 2^49
    private const double MaxFloatCandidate = 1_048_576d; // 2^20
    private const double MinMagnitude = 1e-4;
    private const double MaxMagnitude = 1e15;

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) or returns 0.</summary>
    public static int TryFormat(double value, Span<byte> destination)
    {
        var magnitude = Math.Abs(value);
        if (!(magnitude is >= MinMagnitude and < MaxMagnitude))
        {
            return 0;
        }

        for (var k = 0; k <= MaxDoubleFractionDigits; k++)
        {
            var candidate = Math.Round(magnitude * NumberText.ExactPowersOfTen[k]);
            if (candidate >= MaxDoubleCandidate)
            {
                return 0;
            }

            if (candidate / NumberText.ExactPowersOfTen[k] == magnitude)
            {
                return Write(value < 0, (ulong)candidate, k, destination);
            }
        }

        return 0;
    }

    /// <inheritdoc cref="TryFormat(double, Span{byte})"/>
    public static int TryFormat(float value, Span<byte> destination)
    {
        var magnitude = Math.Abs(value);
        if (!(magnitude is >= (float)MinMagnitude and < (float)MaxMagnitude))
        {
            return 0;
        }

        var wide = (double)magnitude;
        for (var k = 0; k <= MaxFloatFractionDigits; k++)
        {
            var candidate = Math.Round(wide * NumberText.ExactPowersOfTen[k]);
            if (candidate >= MaxFloatCandidate)
            {
                return 0;
            }

            if ((float)(candidate / NumberText.ExactPowersOfTen[k]) == magnitude)
            {
                return Write(value < 0, (ulong)candidate, k, destination);
            }
        }

        return 0;
    }

    private static int Write(bool negative, ulong digits, int fractionDigits, Span<byte> destination)
    {
        Span<byte> text = stackalloc byte[20];
        digits.TryFormat(text, out var digitCount, default, null);
        var length = 0;
        if (negative)
        {
            destination[length++] = (byte)'-';
        }

        var integerDigits = digitCount - fractionDigits;
        if (integerDigits > 0)
        {
            text[..integerDigits].CopyTo(destination[length..]);
            length += integerDigits;
        }
        else
        {
            destination[length++] = (byte)'0';
        }

        if (fractionDigits > 0)
        {
            destination[length++] = (byte)'.';
            for (var zeros = -integerDigits; zeros > 0; zeros--)
            {
                destination[length++] = (byte)'0';
            }

            var fraction = text[Math.Max(integerDigits, 0)..digitCount];
            fraction.CopyTo(destination[length..]);
            length += fraction.Length;
        }

        return length;
    }
}
