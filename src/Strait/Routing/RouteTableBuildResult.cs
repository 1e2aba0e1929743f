namespace Strait.Routing;

internal sealed class RouteTableBuildResult
{
    internal RouteTableBuildResult(RouteTable table, IReadOnlyList<RouteConflict> conflicts)
    {
        Table = table;
        Conflicts = conflicts;
    }

    /// <summary>The table, without the rejected side of each conflict.</summary>
    public RouteTable Table { get; }

    /// <summary>Empty when every route could be added; otherwise the caller should refuse to start.</summary>
    public IReadOnlyList<RouteConflict> Conflicts { get; }
}
