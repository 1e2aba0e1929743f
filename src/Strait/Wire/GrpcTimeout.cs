using System.Globalization;

namespace Strait.Wire;

/// <summary>The <c>grpc-timeout</c> header: at most 8 ASCII digits followed by a unit (H, M, S, m, u, n).</summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;
    private const int MaxDigits = 8;

    // Finest first, so encoding picks the most precise unit whose value still fits in 8 digits.
    private static readonly (char Unit, long TicksPerUnit)[] UnitsForEncoding =
    [
        ('u', 10),
        ('m', TimeSpan.TicksPerMillisecond),
        ('S', TimeSpan.TicksPerSecond),
        ('M', TimeSpan.TicksPerMinute),
        ('H', TimeSpan.TicksPerHour),
    ];

    /// <summary>
    /// Encodes a positive timeout with the finest unit that fits, rounding up so the deadline is never shortened.
    /// Timeouts beyond 99,999,999 hours are capped at that value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero or negative.</exception>
    public static string Encode(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);

        var ticks = timeout.Ticks;
        if (ticks <= MaxValue / 100)
        {
            return Format(ticks * 100, 'n');
        }

        foreach (var (unit, ticksPerUnit) in UnitsForEncoding)
        {
            var value = (ticks / ticksPerUnit) + (ticks % ticksPerUnit == 0 ? 0 : 1);
            if (value <= MaxValue)
            {
                return Format(value, unit);
            }
        }

        return Format(MaxValue, 'H');
    }

    /// <summary>Parses a header value; sub-tick nanoseconds round up. Returns false for anything malformed.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = TimeSpan.Zero;
        if (value.Length < 2 || value.Length > MaxDigits + 1)
        {
            return false;
        }

        var digits = value[..^1];
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            'n' => (amount + 99) / 100,
            _ => null,
        };

        if (ticks is null)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    private static string Format(long value, char unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
}
