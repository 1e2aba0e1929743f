using System.Buffers;
using System.Text;
using System.Text.Json;
using Strait.Json;

namespace Strait.Tests.Json;

/// <summary>
/// The fast path for short decimals must write exactly what <see cref="Utf8JsonWriter"/> writes (the shortest
/// round-trip text), and decline everything else rather than write something longer or different.
/// </summary>
public sealed class ShortDecimalTextTests
{
    private const int RandomCases = 200_000;

    [Theory]
    [InlineData(105.25, "105.25")]
    [InlineData(19.99, "19.99")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.3, "0.3")]
    [InlineData(-38.736946, "-38.736946")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123456789012345.0, "123456789012345")]
    [InlineData(1.0, "1")]
    [InlineData(-7.0, "-7")]
    public void ShortDecimalDoublesTakeTheFastPath(double value, string expected)
    {
        Assert.Equal(expected, Format(value));
        Assert.Equal(WriterText(value), expected);
    }

    [Theory]
    [InlineData(0.875f, "0.875")]
    [InlineData(0.1f, "0.1")]
    [InlineData(-2.5f, "-2.5")]
    [InlineData(3.14159f, "3.14159")]
    [InlineData(1000f, "1000")]
    public void ShortDecimalFloatsTakeTheFastPath(float value, string expected)
    {
        Assert.Equal(expected, Format(value));
        Assert.Equal(WriterText(value), expected);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.00001)] // .NET writes 1E-05
    [InlineData(1e15)] // .NET writes 1E+15
    [InlineData(0.1234567891)] // more fraction digits than the fast path tries
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    public void OtherDoublesAreDeclined(double value) => Assert.Null(Format(value));

    [Theory]
    [InlineData(0f)]
    [InlineData(0.00001f)]
    [InlineData(16777217f)] // beyond the float candidate bound
    [InlineData(float.NaN)]
    [InlineData(float.MaxValue)]
    public void OtherFloatsAreDeclined(float value) => Assert.Null(Format(value));

    [Fact]
    public void Negative_zero_is_declined()
    {
        // Its text is "-0"; the writer keeps it, and a rounding loop must not turn it into "0".
        Assert.Null(Format(-0.0));
        Assert.Null(Format(-0f));
    }

    [Fact]
    public void Agrees_with_Utf8JsonWriter_on_random_doubles()
    {
        var random = new Random(20261201);
        var accepted = 0;
        for (var i = 0; i < RandomCases; i++)
        {
            var value = RandomDouble(random);
            if (Format(value) is { } text)
            {
                accepted++;
                Assert.True(text == WriterText(value), $"{value:R} (bits {BitConverter.DoubleToInt64Bits(value):X16}): fast path '{text}', writer '{WriterText(value)}'");
            }
        }

        // Half the inputs are short decimals by construction; the fast path must take most of them.
        Assert.InRange(accepted, RandomCases / 3, RandomCases);
    }

    [Fact]
    public void Agrees_with_Utf8JsonWriter_on_random_floats()
    {
        var random = new Random(20261202);
        var accepted = 0;
        for (var i = 0; i < RandomCases; i++)
        {
            var value = RandomFloat(random);
            if (Format(value) is { } text)
            {
                accepted++;
                Assert.True(text == WriterText(value), $"{value:R} (bits {BitConverter.SingleToInt32Bits(value):X8}): fast path '{text}', writer '{WriterText(value)}'");
            }
        }

        Assert.InRange(accepted, RandomCases / 3, RandomCases);
    }

    // Half short decimals (n / 10^k, including the neighbours of each, which sit next to a candidate), half arbitrary bits.
    private static double RandomDouble(Random random)
    {
        switch (random.Next(4))
        {
            case 0:
            case 1:
                var digits = random.NextInt64(1, 1L << random.Next(1, 50));
                var value = digits / Math.Pow(10, random.Next(0, 9));
                return random.Next(2) == 0 ? value : -value;
            case 2:
                var near = random.NextInt64(1, 1_000_000) / Math.Pow(10, random.Next(0, 8));
                return random.Next(2) == 0 ? Math.BitIncrement(near) : Math.BitDecrement(near);
            default:
                return BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
        }
    }

    private static float RandomFloat(Random random)
    {
        switch (random.Next(4))
        {
            case 0:
            case 1:
                var value = (float)(random.Next(1, 1 << random.Next(1, 24)) / Math.Pow(10, random.Next(0, 8)));
                return random.Next(2) == 0 ? value : -value;
            case 2:
                var near = (float)(random.Next(1, 100_000) / Math.Pow(10, random.Next(0, 7)));
                return random.Next(2) == 0 ? MathF.BitIncrement(near) : MathF.BitDecrement(near);
            default:
                return BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue));
        }
    }

    private static string? Format(double value)
    {
        Span<byte> text = stackalloc byte[ShortDecimalText.MaxLength];
        var length = ShortDecimalText.TryFormat(value, text);
        return length == 0 ? null : Encoding.ASCII.GetString(text[..length]);
    }

    private static string? Format(float value)
    {
        Span<byte> text = stackalloc byte[ShortDecimalText.MaxLength];
        var length = ShortDecimalText.TryFormat(value, text);
        return length == 0 ? null : Encoding.ASCII.GetString(text[..length]);
    }

    private static string WriterText(double value) => Write(writer => writer.WriteNumberValue(value));

    private static string WriterText(float value) => Write(writer => writer.WriteNumberValue(value));

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output))
        {
            write(writer);
        }

        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
