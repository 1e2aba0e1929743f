namespace Strait.Routing;

/// <summary>
/// A node of the route trie: one edge per literal segment, one for <c>*</c> (and single-segment variables), and the
/// routes that end here or continue with <c>**</c>. Nodes are created by <see cref="RouteTableBuilder.Build"/> for
/// one table and never changed after it returns.
/// </summary>
internal sealed class RouteTrieNode
{
    private const string NoVerb = "";

    private Dictionary<string, RouteTrieNode>? literals;
    private Dictionary<string, RouteTrieNode>.AlternateLookup<ReadOnlySpan<char>> literalLookup;
    private Dictionary<string, RouteEndpoints>? endingHere;
    private Dictionary<string, RouteEndpoints>? endingWithRest;

    public RouteTrieNode? Wildcard { get; private set; }

    public bool HasLiterals => literals is not null;

    public bool TryGetLiteral(ReadOnlySpan<char> canonicalSegment, out RouteTrieNode child) =>
        literalLookup.TryGetValue(canonicalSegment, out child!);

    /// <summary>Routes whose template ends at this node (<paramref name="withRest"/> false) or with <c>**</c>.</summary>
    public RouteEndpoints? GetEndpoints(bool withRest, string verb)
    {
        var byVerb = withRest ? endingWithRest : endingHere;
        return byVerb is not null && byVerb.TryGetValue(verb, out var endpoints) ? endpoints : null;
    }

    public RouteTrieNode GetOrAddLiteral(string canonicalLiteral)
    {
        if (literals is null)
        {
            literals = new Dictionary<string, RouteTrieNode>(StringComparer.Ordinal);
            literalLookup = literals.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        if (!literals.TryGetValue(canonicalLiteral, out var child))
        {
            child = new RouteTrieNode();
            literals.Add(canonicalLiteral, child);
        }

        return child;
    }

    public RouteTrieNode GetOrAddWildcard() => Wildcard ??= new RouteTrieNode();

    public RouteEndpoints GetOrAddEndpoints(bool withRest, string? verb)
    {
        ref var byVerb = ref withRest ? ref endingWithRest : ref endingHere;
        byVerb ??= new Dictionary<string, RouteEndpoints>(StringComparer.Ordinal);
        verb ??= NoVerb;
        if (!byVerb.TryGetValue(verb, out var endpoints))
        {
            endpoints = new RouteEndpoints();
            byVerb.Add(verb, endpoints);
        }

        return endpoints;
    }
}
