using System.Diagnostics.CodeAnalysis;

namespace Strait.Routing;

/// <summary>The outcome of <see cref="RouteTable.Match(string, string)"/>.</summary>
internal readonly struct RouteMatch
{
    private readonly IReadOnlyList<FieldBinding>? bindings;
    private readonly IReadOnlyList<string>? allowedMethods;

    private RouteMatch(
        RouteMatchKind kind,
        HttpRoute? route,
        IReadOnlyList<FieldBinding>? bindings,
        IReadOnlyList<string>? allowedMethods,
        string? error)
    {
        Kind = kind;
        Route = route;
        this.bindings = bindings;
        this.allowedMethods = allowedMethods;
        Error = error;
    }

    public RouteMatchKind Kind { get; }

    /// <summary>The matched route when <see cref="Kind"/> is <see cref="RouteMatchKind.Matched"/>.</summary>
    public HttpRoute? Route { get; }

    /// <summary>One binding per template variable, in template order, with decoded values.</summary>
    public IReadOnlyList<FieldBinding> Bindings => bindings ?? [];

    /// <summary>For <see cref="RouteMatchKind.MethodNotAllowed"/>: the methods routed for the path, sorted.</summary>
    public IReadOnlyList<string> AllowedMethods => allowedMethods ?? [];

    /// <summary>For <see cref="RouteMatchKind.BadRequest"/>: what is wrong with the path.</summary>
    public string? Error { get; }

    [MemberNotNullWhen(true, nameof(Route))]
    public bool IsMatched => Kind == RouteMatchKind.Matched;

    internal static RouteMatch NotFound { get; } = new(RouteMatchKind.NotFound, null, null, null, null);

    internal static RouteMatch Matched(HttpRoute route, IReadOnlyList<FieldBinding> bindings) =>
        new(RouteMatchKind.Matched, route, bindings, null, null);

    internal static RouteMatch MethodNotAllowed(IReadOnlyList<string> allowedMethods) =>
        new(RouteMatchKind.MethodNotAllowed, null, null, allowedMethods, null);

    internal static RouteMatch BadRequest(string error) => new(RouteMatchKind.BadRequest, null, null, null, error);
}
