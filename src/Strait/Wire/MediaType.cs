namespace Strait.Wire;

/// <summary>The media type of a <c>Content-Type</c> header: what comes before any parameters, trimmed.</summary>
internal static class MediaType
{
    public static ReadOnlySpan<char> Of(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType.AsSpan() : contentType.AsSpan(0, semicolon)).Trim();
    }

    /// <summary>Whether <paramref name="contentType"/> names <paramref name="mediaType"/> (case-insensitive); no header names nothing.</summary>
    public static bool Is(string? contentType, string mediaType) =>
        !string.IsNullOrEmpty(contentType) && Of(contentType).Equals(mediaType, StringComparison.OrdinalIgnoreCase);
}
