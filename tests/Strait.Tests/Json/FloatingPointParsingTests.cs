using System.Globalization;
using System.Text;
using Strait.Json;

namespace Strait.Tests.Json;

/// <summary>
/// JSON number text into float and double must give the correctly rounded value (what .NET's parser gives),
/// whether it takes the exact short-decimal path or the general one.
/// </summary>
public sealed class FloatingPointParsingTests
{
    private const int RandomCases = 200_000;

    [Theory]
    [InlineData("105.25")]
    [InlineData("0.1")]
    [InlineData("-0")]
    [InlineData("-0.0")]
    [InlineData("0e5")]
    [InlineData("123456789012345")] // 15 digits: the exact path's limit
    [InlineData("1234567890123456789")] // beyond it
    [InlineData("9007199254740993")] // 2^53 + 1 rounds to even
    [InlineData("1e22")]
    [InlineData("1e23")] // 10^23 is not exact: the general path
    [InlineData("4.35e-20")]
    [InlineData("1.7976931348623157e308")]
    [InlineData("5e-324")]
    [InlineData("0.30000000000000004")]
    public void DoublesMatchTheRuntimeParser(string text)
    {
        Assert.True(NumberText.TryParseDouble(Encoding.ASCII.GetBytes(text), allowSpecial: false, out var value));
        AssertSameBits(double.Parse(text, CultureInfo.InvariantCulture), value, text);
    }

    [Theory]
    [InlineData("0.875")]
    [InlineData("0.1")]
    [InlineData("-0")]
    [InlineData("1234567")]
    [InlineData("16777217")] // 2^24 + 1: 8 digits, the general path
    [InlineData("3.4028235e38")]
    [InlineData("1e-45")]
    [InlineData("9999999e10")]
    public void FloatsMatchTheRuntimeParser(string text)
    {
        Assert.True(NumberText.TryParseFloat(Encoding.ASCII.GetBytes(text), allowSpecial: false, out var value));
        Assert.Equal(BitConverter.SingleToInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)), BitConverter.SingleToInt32Bits(value));
    }

    [Theory]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("+1")]
    [InlineData("1e")]
    [InlineData("0x10")]
    [InlineData(" 1")]
    public void NonJsonNumbersAreRejected(string text)
    {
        Assert.False(NumberText.TryParseDouble(Encoding.ASCII.GetBytes(text), allowSpecial: false, out _));
        Assert.False(NumberText.TryParseFloat(Encoding.ASCII.GetBytes(text), allowSpecial: false, out _));
    }

    [Fact]
    public void Random_decimal_texts_match_the_runtime_parser()
    {
        var random = new Random(20261203);
        for (var i = 0; i < RandomCases; i++)
        {
            var text = RandomNumberText(random);
            var utf8 = Encoding.ASCII.GetBytes(text);
            Assert.True(NumberText.TryParseDouble(utf8, allowSpecial: false, out var asDouble), text);
            AssertSameBits(double.Parse(text, CultureInfo.InvariantCulture), asDouble, text);
            Assert.True(NumberText.TryParseFloat(utf8, allowSpecial: false, out var asFloat), text);
            var expected = float.Parse(text, CultureInfo.InvariantCulture);
            Assert.True(
                BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(asFloat),
                $"{text}: expected {expected:R}, got {asFloat:R}");
        }
    }

    // Digit runs of 1–20 digits split at a random point or after "0.000…", optionally with an exponent, so both paths and their
    // boundary (15 and 7 digits, scales ±22 and ±10) are crossed often.
    private static string RandomNumberText(Random random)
    {
        var digitCount = random.Next(1, 21);
        var digits = new StringBuilder(digitCount);
        digits.Append((char)('1' + random.Next(9)));
        for (var d = 1; d < digitCount; d++)
        {
            digits.Append((char)('0' + random.Next(10)));
        }

        var text = new StringBuilder();
        if (random.Next(2) == 0)
        {
            text.Append('-');
        }

        var point = random.Next(0, digitCount);
        if (random.Next(4) == 0)
        {
            text.Append("0.").Append('0', random.Next(0, 6)).Append(digits);
        }
        else if (point == 0)
        {
            text.Append(digits);
        }
        else
        {
            text.Append(digits, 0, digitCount - point).Append('.').Append(digits, digitCount - point, point);
        }

        if (random.Next(3) == 0)
        {
            text.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(-30, 31).ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private static void AssertSameBits(double expected, double actual, string text) =>
        Assert.True(
            BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
            $"{text}: expected {expected:R}, got {actual:R}");
}
