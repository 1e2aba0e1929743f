using Strait.Wire;

namespace Strait.Tests.Wire;

public sealed class GrpcTimeoutTests
{
    public static TheoryData<long, string> EncodeCases => new()
    {
        { 1, "100n" },
        { 999_999, "99999900n" },
        { 1_000_000, "100000u" },
        { 1_000_001, "100001u" },
        { TimeSpan.TicksPerSecond, "1000000u" },
        { 100 * TimeSpan.TicksPerSecond, "100000m" },
        { TimeSpan.TicksPerHour, "3600000m" },
        { TimeSpan.TicksPerDay, "86400000m" },
        { 2 * TimeSpan.TicksPerDay, "172800S" },
        { 2 * TimeSpan.TicksPerDay + 1, "172801S" },
        { 5000 * TimeSpan.TicksPerDay, "7200000M" },
        { 100_000 * TimeSpan.TicksPerDay, "2400000H" },
        { long.MaxValue, "99999999H" },
    };

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encodes_with_the_finest_unit_that_fits_rounding_up(long ticks, string expected)
    {
        var encoded = GrpcTimeout.Encode(TimeSpan.FromTicks(ticks));

        Assert.Equal(expected, encoded);
        Assert.True(GrpcTimeout.TryParse(encoded, out var parsed));
        Assert.True(parsed >= TimeSpan.FromTicks(Math.Min(ticks, parsed.Ticks)), "encoding shortened the timeout");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Encoding_a_non_positive_timeout_is_refused(long ticks)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GrpcTimeout.Encode(TimeSpan.FromTicks(ticks)));
    }

    public static TheoryData<string, long> ParseCases => new()
    {
        { "1H", TimeSpan.TicksPerHour },
        { "2M", 2 * TimeSpan.TicksPerMinute },
        { "3S", 3 * TimeSpan.TicksPerSecond },
        { "4m", 4 * TimeSpan.TicksPerMillisecond },
        { "5u", 50 },
        { "100n", 1 },
        { "1n", 1 },
        { "0S", 0 },
        { "99999999S", 99_999_999 * TimeSpan.TicksPerSecond },
        { "00000001m", TimeSpan.TicksPerMillisecond },
    };

    [Theory]
    [MemberData(nameof(ParseCases))]
    public void Parses_every_unit(string value, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("1x")]
    [InlineData("1s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    [InlineData("1S ")]
    public void Rejects_malformed_values(string value)
    {
        Assert.False(GrpcTimeout.TryParse(value, out _));
    }
}
