namespace Strait.Routing;

/// <summary>A path template that does not follow the <c>google.api.http</c> template grammar.</summary>
internal sealed class PathTemplateException : FormatException
{
    public PathTemplateException(string template, int position, string problem)
        : base($"Invalid path template '{template}': {problem} at position {position}.")
    {
        Template = template;
        Position = position;
        Problem = problem;
    }

    public string Template { get; }

    /// <summary>Zero-based index of the offending character in <see cref="Template"/>.</summary>
    public int Position { get; }

    public string Problem { get; }
}
