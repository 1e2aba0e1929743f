namespace Strait.Routing;

internal sealed class RouteTableOptions
{
    /// <summary>
    /// Adds <c>POST /{package.Service}/{Method}</c> with body <c>*</c> for every method given to the builder.
    /// Off by default so that only methods the schema or configuration maps are exposed.
    /// </summary>
    public bool GenerateMethodRoutes { get; init; }
}
