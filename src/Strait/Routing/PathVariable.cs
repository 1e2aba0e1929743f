namespace Strait.Routing;

/// <summary>A <c>{field.path=pattern}</c> variable of a <see cref="PathTemplate"/>.</summary>
internal sealed class PathVariable
{
    internal PathVariable(string fieldPath, int startSegment, int endSegment, bool capturesMultipleSegments)
    {
        FieldPath = fieldPath;
        StartSegment = startSegment;
        EndSegment = endSegment;
        CapturesMultipleSegments = capturesMultipleSegments;
    }

    /// <summary>The dotted field path as written, e.g. <c>task.name</c>.</summary>
    public string FieldPath { get; }

    /// <summary>Index in <see cref="PathTemplate.Segments"/> of the first segment of the pattern.</summary>
    public int StartSegment { get; }

    /// <summary>Index one past the last segment of the pattern.</summary>
    public int EndSegment { get; }

    /// <summary>
    /// True when the pattern has several segments or <c>**</c>. Such a value keeps <c>%2F</c> encoded (http.proto's
    /// "reserved expansion"); a single-segment value is fully decoded.
    /// </summary>
    public bool CapturesMultipleSegments { get; }
}
