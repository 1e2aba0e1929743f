namespace Strait.Routing;

internal enum TemplateSegmentKind
{
    /// <summary>Matches one path segment equal to <see cref="TemplateSegment.Literal"/>.</summary>
    Literal,

    /// <summary><c>*</c>: matches one non-empty path segment.</summary>
    SingleWildcard,

    /// <summary><c>**</c>: matches the rest of the path, zero or more segments.</summary>
    MultiWildcard,
}

/// <summary>One segment of a <see cref="PathTemplate"/>, with variables flattened into their patterns.</summary>
internal readonly record struct TemplateSegment(TemplateSegmentKind Kind, string Literal)
{
    internal static TemplateSegment SingleWildcard { get; } = new(TemplateSegmentKind.SingleWildcard, "*");

    internal static TemplateSegment MultiWildcard { get; } = new(TemplateSegmentKind.MultiWildcard, "**");

    /// <summary>The literal in canonical percent-encoding, or <c>*</c> / <c>**</c> for wildcards.</summary>
    public override string ToString() => Literal;
}
