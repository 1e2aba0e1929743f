namespace Strait.Routing;

/// <summary>
/// A node of the route trie: one edge per literal segment, one for <c>*</c> (and single-segment variables), and the
/// routes that end here or continue with <c>**</c>. Nodes are created by <see cref="RouteTableBuilder.Build"/> for
/// one table and never changed after it returns.
/// </summary>
internal sealed class RouteTrieNode
{
    private const string NoVerb = "";

    private Dictionary<string, RouteTrieNode>? _literals;
    private Dictionary<string, RouteTrieNode>.AlternateLookup<ReadOnlySpan<char>> _literalLookup;
    private Dictionary<string, RouteEndpoints>? _endingHere;
    private Dictionary<string, RouteEndpoints>? _endingWithRest;

    public RouteTrieNode? Wildcard { get; private set; }

    public bool HasLiterals => _literals is not null;

    public bool TryGetLiteral(ReadOnlySpan<char> canonicalSegment, out RouteTrieNode child) =>
        _literalLookup.TryGetValue(canonicalSegment, out child!);

    /// <summary>Routes whose template ends at this node (<paramref name="withRest"/> false) or with <c>**</c>.</summary>
    public RouteEndpoints? GetEndpoints(bool withRest, string verb)
    {
        var byVerb = withRest ? _endingWithRest : _endingHere;
        return byVerb is not null && byVerb.TryGetValue(verb, out var endpoints) ? endpoints : null;
    }

    public RouteTrieNode GetOrAddLiteral(string canonicalLiteral)
    {
        if (_literals is null)
        {
            _literals = new Dictionary<string, RouteTrieNode>(StringComparer.Ordinal);
            _literalLookup = _literals.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        if (!_literals.TryGetValue(canonicalLiteral, out var child))
        {
            child = new RouteTrieNode();
            _literals.Add(canonicalLiteral, child);
        }

        return child;
    }

    public RouteTrieNode GetOrAddWildcard() => Wildcard ??= new RouteTrieNode();

    public RouteEndpoints GetOrAddEndpoints(bool withRest, string? verb)
    {
        ref var byVerb = ref withRest ? ref _endingWithRest : ref _endingHere;
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
