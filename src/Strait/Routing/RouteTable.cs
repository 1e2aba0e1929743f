using System.Buffers;
using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>
/// An immutable set of routes, matched against raw request paths through a trie of path segments. Build one per
/// schema snapshot with <see cref="RouteTableBuilder"/>; it is safe to share between threads.
/// </summary>
/// <remarks>
/// <para>Precedence: segment by segment from the left, a literal beats <c>*</c> (or a single-segment variable),
/// which beats <c>**</c>; the first template that matches in that order and has a route for the HTTP method wins.
/// The trie is searched depth-first in that order, backtracking only across the edges of the nodes on the path.</para>
/// <para>Verbs: the text after the last <c>:</c> of the last segment is a verb only when some route declares that
/// verb; then only templates with that verb can match. Otherwise the colon is part of the segment.</para>
/// <para>Literals are compared after decoding escapes of unreserved characters (<c>v%31</c> matches <c>v1</c>).
/// <c>*</c> does not match an empty segment; <c>**</c> matches zero or more segments, empty ones included.
/// A trailing slash is an empty last segment, so <c>/v1/tasks/</c> does not match <c>/v1/tasks</c>; repeated
/// slashes are not collapsed. HTTP methods are compared case-sensitively, and HEAD is not mapped to GET.</para>
/// <para>Decoding of variables follows http.proto: a variable of one segment is fully decoded (<c>%2F</c> becomes
/// <c>/</c>); a variable of several segments or <c>**</c> is decoded except <c>%2F</c>/<c>%2f</c>, which stay as
/// written. Other reserved characters are decoded in both cases.</para>
/// </remarks>
internal sealed class RouteTable
{
    private const string NoVerb = "";
    private const int StackScratchChars = 256;
    private const int StackSegmentStarts = 32;

    private readonly RouteTrieNode root;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> verbs;
    private readonly bool hasVerbs;
    private readonly int maxSegments;

    internal RouteTable(RouteTrieNode root, IReadOnlyList<HttpRoute> routes, IReadOnlyList<MethodDescriptor> methods, HashSet<string> verbs, int maxSegments)
    {
        this.root = root;
        Routes = routes;
        Methods = methods;
        this.verbs = verbs.GetAlternateLookup<ReadOnlySpan<char>>();
        hasVerbs = verbs.Count > 0;
        this.maxSegments = maxSegments;
    }

    public static RouteTable Empty { get; } = new RouteTableBuilder().Build().Table;

    /// <summary>Every route in the table, generated ones included.</summary>
    public IReadOnlyList<HttpRoute> Routes { get; }

    /// <summary>Every method the table was built for, with routes or without: what the gRPC edges can call.</summary>
    public IReadOnlyList<MethodDescriptor> Methods { get; }

    /// <param name="httpMethod">The request method, e.g. <c>GET</c>.</param>
    /// <param name="rawPath">The path as sent, still percent-encoded, without the query string.</param>
    public RouteMatch Match(string httpMethod, string rawPath) => Match(httpMethod, rawPath, out _);

    /// <summary>As <see cref="Match(string, string)"/>, also counting the trie nodes visited.</summary>
    internal RouteMatch Match(string httpMethod, string rawPath, out int nodesVisited)
    {
        ArgumentNullException.ThrowIfNull(httpMethod);
        ArgumentNullException.ThrowIfNull(rawPath);
        nodesVisited = 0;
        if (rawPath.Length == 0 || rawPath[0] != '/')
        {
            return RouteMatch.NotFound;
        }

        var path = rawPath.AsSpan();
        var firstPercent = path.IndexOf('%');
        if (firstPercent >= 0)
        {
            var malformed = PercentEncoding.FindMalformedEscape(path[firstPercent..]);
            if (malformed >= 0)
            {
                return RouteMatch.BadRequest(
                    $"the path has a malformed percent-escape at position {firstPercent + malformed}");
            }
        }

        char[]? rentedScratch = null;
        var scratch = firstPercent < 0 ? Span<char>.Empty
            : path.Length <= StackScratchChars ? stackalloc char[StackScratchChars]
            : (rentedScratch = ArrayPool<char>.Shared.Rent(path.Length));
        // Only templates longer than the stack buffer cost an allocation here.
        var segmentStarts = maxSegments < StackSegmentStarts
            ? stackalloc int[StackSegmentStarts]
            : new int[maxSegments + 1];
        try
        {
            var (verb, end) = SplitVerb(path, scratch);
            var state = new MatchState(path, end, verb, httpMethod, segmentStarts, scratch);
            // "/" (or "/:verb") has no segments rather than one empty segment.
            var firstSegment = end == 1 ? end + 1 : 1;
            if (Visit(root, 0, firstSegment, ref state))
            {
                nodesVisited = state.NodesVisited;
                return Bind(state.Route!, ref state);
            }

            state.CollectingAllowed = true;
            Visit(root, 0, firstSegment, ref state);
            nodesVisited = state.NodesVisited;
            if (state.Allowed is not { } allowed)
            {
                return RouteMatch.NotFound;
            }

            allowed.Sort(StringComparer.Ordinal);
            return RouteMatch.MethodNotAllowed(allowed);
        }
        finally
        {
            if (rentedScratch is not null)
            {
                ArrayPool<char>.Shared.Return(rentedScratch);
            }
        }
    }

    private (string Verb, int End) SplitVerb(ReadOnlySpan<char> path, Span<char> scratch)
    {
        if (!hasVerbs)
        {
            return (NoVerb, path.Length);
        }

        var lastSegment = path.LastIndexOf('/') + 1;
        var colon = path[lastSegment..].LastIndexOf(':');
        if (colon < 0)
        {
            return (NoVerb, path.Length);
        }

        colon += lastSegment;
        var candidate = Canonical(path[(colon + 1)..], scratch);
        return verbs.TryGetValue(candidate, out var verb) ? (verb, colon) : (NoVerb, path.Length);
    }

    /// <summary>Matches the segment starting at <paramref name="position"/> and, recursively, the rest.</summary>
    private static bool Visit(RouteTrieNode node, int depth, int position, ref MatchState state)
    {
        state.NodesVisited++;
        state.SegmentStarts[depth] = position;
        if (position > state.End)
        {
            return Accept(node.GetEndpoints(withRest: false, state.Verb), ref state)
                || Accept(node.GetEndpoints(withRest: true, state.Verb), ref state);
        }

        var rest = state.Path[position..state.End];
        var slash = rest.IndexOf('/');
        var segment = slash < 0 ? rest : rest[..slash];
        var next = position + segment.Length + 1;

        if (node.HasLiterals
            && node.TryGetLiteral(Canonical(segment, state.Scratch), out var literal)
            && Visit(literal, depth + 1, next, ref state))
        {
            return true;
        }

        if (node.Wildcard is { } wildcard && !segment.IsEmpty && Visit(wildcard, depth + 1, next, ref state))
        {
            return true;
        }

        return Accept(node.GetEndpoints(withRest: true, state.Verb), ref state);
    }

    private static bool Accept(RouteEndpoints? endpoints, ref MatchState state)
    {
        if (endpoints is null)
        {
            return false;
        }

        if (state.CollectingAllowed)
        {
            // Collecting for a 405: keep searching so that every template matching the path contributes.
            endpoints.AddMethodsTo(state.Allowed ??= []);
            return false;
        }

        state.Route = endpoints.Find(state.HttpMethod);
        return state.Route is not null;
    }

    private static RouteMatch Bind(HttpRoute route, ref MatchState state)
    {
        var variables = route.Template.Variables;
        if (variables.Count == 0)
        {
            return RouteMatch.Matched(route, []);
        }

        var segments = route.Template.Segments;
        var bindings = new FieldBinding[variables.Count];
        for (var i = 0; i < bindings.Length; i++)
        {
            var variable = variables[i];
            var start = state.SegmentStarts[variable.StartSegment];
            var end = segments[variable.EndSegment - 1].Kind == TemplateSegmentKind.MultiWildcard
                ? state.End
                : state.SegmentStarts[variable.EndSegment] - 1;
            var raw = start < end ? state.Path[start..end] : [];
            var mode = variable.CapturesMultipleSegments ? PercentDecodeMode.AllButSlash : PercentDecodeMode.All;
            if (PercentEncoding.TryDecode(raw, mode, out var value) != PercentDecodeStatus.Decoded)
            {
                return RouteMatch.BadRequest($"path variable '{variable.FieldPath}' is not UTF-8 once percent-decoded");
            }

            bindings[i] = new FieldBinding(route.VariableFieldPaths[i], value);
        }

        return RouteMatch.Matched(route, bindings);
    }

    private static ReadOnlySpan<char> Canonical(ReadOnlySpan<char> segment, Span<char> scratch) =>
        segment.Contains('%') ? scratch[..PercentEncoding.Normalize(segment, scratch)] : segment;

    private ref struct MatchState
    {
        public MatchState(
            ReadOnlySpan<char> path, int end, string verb, string httpMethod, Span<int> segmentStarts, Span<char> scratch)
        {
            Path = path;
            End = end;
            Verb = verb;
            HttpMethod = httpMethod;
            SegmentStarts = segmentStarts;
            Scratch = scratch;
        }

        public ReadOnlySpan<char> Path { get; }

        /// <summary>Where the segments end: the path's length, or the colon before a recognised verb.</summary>
        public int End { get; }

        public string Verb { get; }

        public string HttpMethod { get; }

        /// <summary>Start of the segment matched at each trie depth, for extracting variables afterwards.</summary>
        public Span<int> SegmentStarts { get; }

        /// <summary>Room for one canonicalised segment; only the current segment needs it.</summary>
        public Span<char> Scratch { get; }

        public int NodesVisited { get; set; }

        public HttpRoute? Route { get; set; }

        /// <summary>True when searching for the methods to list in a 405 instead of for a route.</summary>
        public bool CollectingAllowed { get; set; }

        /// <summary>The methods found while <see cref="CollectingAllowed"/>; null while there are none.</summary>
        public List<string>? Allowed { get; set; }
    }
}
