namespace Strait.Routing;

/// <summary>
/// Two routes with the same HTTP method whose templates match the same paths (same segments once variable names
/// are dropped, same verb). The first one added is kept.
/// </summary>
internal sealed record RouteConflict(
    string HttpMethod, string KeptTemplate, string KeptMethod, string RejectedTemplate, string RejectedMethod)
{
    internal static RouteConflict Between(HttpRoute kept, HttpRoute rejected) => new(
        kept.HttpMethod,
        kept.Template.ToString(),
        kept.Method.FullName,
        rejected.Template.ToString(),
        rejected.Method.FullName);

    public override string ToString() =>
        $"{HttpMethod} {RejectedTemplate} ({RejectedMethod}) conflicts with {HttpMethod} {KeptTemplate} ({KeptMethod}): "
        + "both match the same paths";
}
