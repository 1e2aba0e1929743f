namespace Strait.Routing;

/// <summary>The routes made from one rule and its additional bindings, and the problems found.</summary>
internal sealed class HttpRuleReadResult
{
    internal HttpRuleReadResult(IReadOnlyList<HttpRoute> routes, IReadOnlyList<HttpRuleError> errors)
    {
        Routes = routes;
        Errors = errors;
    }

    internal static HttpRuleReadResult Empty { get; } = new([], []);

    /// <summary>The bindings that are valid; an invalid binding is left out and reported in <see cref="Errors"/>.</summary>
    public IReadOnlyList<HttpRoute> Routes { get; }

    public IReadOnlyList<HttpRuleError> Errors { get; }
}
