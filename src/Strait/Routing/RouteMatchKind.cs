namespace Strait.Routing;

internal enum RouteMatchKind
{
    Matched,

    /// <summary>No template matches the path (404).</summary>
    NotFound,

    /// <summary>Templates match the path, but none for this HTTP method (405, with an Allow header).</summary>
    MethodNotAllowed,

    /// <summary>The path is malformed: a bad percent-escape, or a value that is not UTF-8 once decoded (400).</summary>
    BadRequest,
}
