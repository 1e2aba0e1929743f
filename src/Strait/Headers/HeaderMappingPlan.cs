using System.Collections.Frozen;
using System.Net;
using Strait.Routing;

namespace Strait.Headers;

/// <summary>
/// The compiled, immutable header mapping of one snapshot: rules indexed by HTTP name (incoming) and metadata key
/// (outgoing), narrowed per route on first use, plus the global options.
/// </summary>
internal sealed class HeaderMappingPlan
{
    private readonly string[] skipExact;
    private readonly string[] skipPrefixes;

    internal HeaderMappingPlan(
        bool compatible,
        bool caseSensitive,
        bool overwrite,
        string trailerPrefix,
        bool strict,
        IReadOnlyList<string> skipPaths,
        IReadOnlyCollection<string> gatewayOwned,
        IReadOnlyList<IPNetwork> trustedProxies,
        IReadOnlyCollection<string> sensitive,
        int ruleCount,
        int maxHeaderCount,
        int maxMetadataSize,
        IReadOnlyList<HeaderRule> incoming,
        IReadOnlyList<HeaderRule> outgoing)
    {
        IsGrpcGatewayCompatible = compatible;
        CaseSensitive = caseSensitive;
        Overwrite = overwrite;
        TrailerPrefix = trailerPrefix;
        Strict = strict;
        // In the canonical form of RequestTarget.Path, so that "/heal%74hz" and "/healthz" are one path here as in routing.
        skipExact = [.. skipPaths.Where(p => !p.EndsWith('*')).Select(PercentEncoding.Normalize)];
        skipPrefixes = [.. skipPaths.Where(p => p.EndsWith('*')).Select(p => PercentEncoding.Normalize(p[..^1]))];
        GatewayOwned = gatewayOwned.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        GatewayOwnedNames = [.. GatewayOwned];
        TrustedProxies = [.. trustedProxies];
        Sensitive = sensitive.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        RuleCount = ruleCount;
        MaxHeaderCount = maxHeaderCount;
        MaxMetadataSize = maxMetadataSize;
        Incoming = incoming;
        Outgoing = outgoing;
        Counters = new HeaderRuleCounters();
    }

    public bool IsGrpcGatewayCompatible { get; }

    public bool CaseSensitive { get; }

    public bool Overwrite { get; }

    public string TrailerPrefix { get; }

    public bool Strict { get; }

    public FrozenSet<string> GatewayOwned { get; }

    internal string[] GatewayOwnedNames { get; }

    public IReadOnlyList<IPNetwork> TrustedProxies { get; }

    /// <summary>Header names whose values logs mask.</summary>
    public FrozenSet<string> Sensitive { get; }

    /// <summary>Entries of <c>headers.rules</c>; bounds <see cref="HeaderRule.Index"/>.</summary>
    public int RuleCount { get; }

    /// <summary>The size of a <see cref="SeenRules"/> set over this plan's rules.</summary>
    internal int SeenRuleWords => (RuleCount + 63) >> 6;

    public int MaxHeaderCount { get; }

    public int MaxMetadataSize { get; }

    public IReadOnlyList<HeaderRule> Incoming { get; }

    public IReadOnlyList<HeaderRule> Outgoing { get; }

    public HeaderRuleCounters Counters { get; }


    /// <param name="path">The request path as the front door reads it (<c>RequestTarget.Path</c>).</param>
    public bool IsSkipped(string path)
    {
        foreach (var exact in skipExact)
        {
            if (path.Equals(exact, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var prefix in skipPrefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public bool IsTrustedProxy(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in TrustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The rules that apply on <paramref name="route"/>. The plan outlives schema swaps (it is compiled from
    /// configuration) while routes belong to one snapshot, so the narrowed rules are kept by the snapshot's route plan,
    /// not here.
    /// </summary>
    internal RouteHeaderRules Narrow(HttpRoute route) => new(this, route);
}

/// <summary>The rules that apply on one route, indexed for the per-request loops.</summary>
internal sealed class RouteHeaderRules
{
    public RouteHeaderRules(HeaderMappingPlan plan, HttpRoute route)
    {
        var incoming = plan.Incoming.Where(r => r.AppliesTo(route)).ToArray();
        Incoming = incoming;
        NotForDefaults = HttpHeaderNames.HopByHopNames.Concat(plan.GatewayOwned).Concat(incoming.Select(r => r.HttpHeader))
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        IncomingWithFallback = [.. incoming.Where(r => r.Required || r.Default is not null)];
        IncomingKeys = incoming.Select(r => r.MetadataKey).ToFrozenSet(StringComparer.Ordinal);
        var outgoing = plan.Outgoing.Where(r => r.AppliesTo(route)).ToArray();
        OutgoingByKey = outgoing.GroupBy(r => r.MetadataKey, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        OutgoingWithFallback = [.. outgoing.Where(r => r.Required || r.Default is not null)];
    }

    /// <summary>The incoming rules that apply on the route, in configuration order.</summary>
    public HeaderRule[] Incoming { get; }

    /// <summary>
    /// Header names grpc-gateway mode's defaults never forward: hop-by-hop, gateway-owned, and those a rule maps
    /// (a header a rule maps is not forwarded a second way).
    /// </summary>
    public FrozenSet<string> NotForDefaults { get; }

    /// <summary>Rules that act when their header is absent (required or defaulted).</summary>
    public HeaderRule[] IncomingWithFallback { get; }

    /// <summary>Metadata keys the rules produce, which no <c>Grpc-Metadata-</c> header may also supply.</summary>
    public FrozenSet<string> IncomingKeys { get; }

    public FrozenDictionary<string, HeaderRule[]> OutgoingByKey { get; }

    public HeaderRule[] OutgoingWithFallback { get; }
}
