namespace Strait.Errors;

/// <summary>
/// Bounds the text a problem echoes (a path, a header value, an upstream's message): at most
/// <see cref="MaxLength"/> chars, cut on a character and ended with "…", so no request can make its own error
/// answer arbitrarily large.
/// </summary>
internal static class ProblemText
{
    public const int MaxLength = 1024;

    public static string Bound(string text)
    {
        if (text.Length <= MaxLength)
        {
            return text;
        }

        var end = MaxLength - 1;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return string.Concat(text.AsSpan(0, end), "…");
    }
}
