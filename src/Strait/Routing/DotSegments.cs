namespace Strait.Routing;

/// <summary>
/// The dot segments of RFC 3986 §3.3 (<c>.</c> and <c>..</c>) in a path as sent, where a dot may also be written
/// <c>%2e</c> or <c>%2E</c> (§2.3: an escaped unreserved character is the character). Strait refuses such paths
/// (ADR 0011); a dot inside a segment, or a segment of three dots, is an ordinary character.
/// </summary>
internal static class DotSegments
{
    /// <summary>True when a segment of <paramref name="rawPath"/> is <c>.</c> or <c>..</c>, each dot written as <c>.</c>, <c>%2e</c> or <c>%2E</c>.</summary>
    public static bool Contains(ReadOnlySpan<char> rawPath)
    {
        if (rawPath.IndexOfAny('.', '%') < 0)
        {
            return false;
        }

        while (true)
        {
            var slash = rawPath.IndexOf('/');
            if (IsDotSegment(slash < 0 ? rawPath : rawPath[..slash]))
            {
                return true;
            }

            if (slash < 0)
            {
                return false;
            }

            rawPath = rawPath[(slash + 1)..];
        }
    }

    private static bool IsDotSegment(ReadOnlySpan<char> segment)
    {
        var dots = 0;
        while (!segment.IsEmpty)
        {
            if (segment[0] == '.')
            {
                segment = segment[1..];
            }
            else if (segment.Length >= 3 && segment[0] == '%' && segment[1] == '2' && (segment[2] | 0x20) == 'e')
            {
                segment = segment[3..];
            }
            else
            {
                return false;
            }

            if (++dots > 2)
            {
                return false;
            }
        }

        return dots > 0;
    }
}
