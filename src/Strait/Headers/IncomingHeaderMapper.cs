using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Strait.Errors;
using Strait.Observability;
using Strait.Wire;

namespace Strait.Headers;

/// <summary>
/// HTTP request headers → gRPC metadata for one call: safety checks, then the route's rules in configuration order,
/// then the grpc-gateway defaults (compatible mode), then absent headers' defaults and requirements, then the
/// metadata only Strait sets (request id, trace context, <c>X-Forwarded-*</c>) and the size limit.
/// </summary>
/// <remarks>
/// Any failure is a 4xx <see cref="Problem"/> naming the header, and nothing is forwarded. In explicit mode the cost
/// grows with the number of rules, not of headers: headers no rule names are not even enumerated.
/// </remarks>
internal static partial class IncomingHeaderMapper
{
    public const string MetadataPrefix = "Grpc-Metadata-";
    private const string CompatiblePrefix = "grpcgateway-";

    // grpc-gateway's DefaultHeaderMatcher list (IANA permanent headers), forwarded as grpcgateway-<name>.
    private static readonly FrozenSet<string> PermanentHeaders = new[]
    {
        "accept", "accept-charset", "accept-language", "accept-ranges", "authorization", "cache-control", "content-type", "cookie",
        "date", "expect", "from", "if-match", "if-modified-since", "if-none-match", "if-schedule-tag-match", "if-unmodified-since",
        "max-forwards", "origin", "pragma", "referer", "user-agent", "via", "warning",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // Transport and browser-protocol headers of a gRPC or grpc-web request, and those AddGatewayMetadata sets.
    private static readonly FrozenSet<string> NotVerbatim = HttpHeaderNames.HopByHopNames.Concat(
    [
        "content-type", "content-length", "user-agent", "accept", "accept-encoding", "x-grpc-web", "x-user-agent", "origin",
        "access-control-request-method", "access-control-request-headers", RequestIdentity.RequestIdHeader, GatewayMetadata.TraceParent,
        GatewayMetadata.TraceState, GatewayMetadata.ForwardedFor, GatewayMetadata.ForwardedHost, GatewayMetadata.ForwardedProto,
    ]).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds the call's metadata to <paramref name="metadata"/>, or returns the problem that stops the request.</summary>
    /// <param name="path">The request path as the front door reads it, which <c>headers.skipPaths</c> are matched on.</param>
    public static Problem? Map(HttpRequest request, string path, RouteHeaderRules routeRules, HeaderMappingPlan plan, RequestIdentity identity, GrpcMetadata metadata, ILogger logger)
    {
        var headers = request.Headers;
        if (headers.Count > plan.MaxHeaderCount)
        {
            return Problems.TooManyHeaders(headers.Count, plan.MaxHeaderCount);
        }

        var rules = plan.IsSkipped(path) ? null : routeRules;
        var mapped = new SeenRules(plan.SeenRuleWords <= SeenRules.MaxStackWords ? stackalloc ulong[plan.SeenRuleWords] : new ulong[plan.SeenRuleWords]);
        var connection = ConnectionHeader.Of(headers);
        var debug = logger.IsEnabled(LogLevel.Debug);
        foreach (var owned in plan.GatewayOwnedNames)
        {
            if (headers.ContainsKey(owned))
            {
                return Problems.InvalidHeader(owned, $"The request header '{owned}' is set by the gateway; clients cannot send it.");
            }
        }

        if (rules is null)
        {
            AddGatewayMetadata(request, connection, plan, identity, metadata);
            return CheckSize(metadata, plan);
        }

        // Rules look up their header rather than the headers their rule: the cost follows the rule count, in
        // configuration order, and headers no rule names are never touched (only grpc-gateway mode walks them).
        foreach (var rule in rules.Incoming)
        {
            if (!headers.TryGetValue(rule.HttpHeader, out var values)
                || (plan.CaseSensitive && !HasExactName(headers, rule.HttpHeader))
                || (connection.Count > 0 && HttpHeaderNames.IsNamedIn(connection, rule.HttpHeader)))
            {
                continue;
            }

            if (MapRule(rule, values, plan, metadata, debug, logger) is { } problem)
            {
                plan.Counters.Record(rule, incoming: true, HeaderRuleOutcome.Rejected);
                return problem;
            }

            mapped.Add(rule);
            plan.Counters.Record(rule, incoming: true, HeaderRuleOutcome.Mapped);
        }

        if (plan.IsGrpcGatewayCompatible)
        {
            foreach (var (name, values) in headers)
            {
                // Hop-by-hop, gateway-owned and rule-mapped names are in the set; the rest of hop-by-hop is Proxy-*.
                if (rules.NotForDefaults.Contains(name)
                    || name.StartsWith("proxy-", StringComparison.OrdinalIgnoreCase)
                    || (connection.Count > 0 && HttpHeaderNames.IsNamedIn(connection, name)))
                {
                    continue;
                }

                if (MapCompatible(name, values, rules, plan, metadata) is { } compatibleProblem)
                {
                    return compatibleProblem;
                }
            }
        }

        foreach (var rule in rules.IncomingWithFallback)
        {
            if (mapped.Contains(rule))
            {
                continue;
            }

            if (rule.Default is null)
            {
                plan.Counters.Record(rule, incoming: true, HeaderRuleOutcome.Missing);
                return Problems.MissingHeader(rule.HttpHeader);
            }

            // Another rule may already have filled the key from a header that is present; a default never replaces that.
            if (!metadata.ContainsKey(rule.MetadataKey))
            {
                TryAdd(metadata, rule.MetadataKey, rule.Default);
                plan.Counters.Record(rule, incoming: true, HeaderRuleOutcome.Defaulted);
            }
        }

        AddGatewayMetadata(request, connection, plan, identity, metadata);
        return CheckSize(metadata, plan);
    }

    /// <summary>
    /// The metadata of a call that arrived as gRPC or grpc-web: its headers are metadata already, so they are forwarded as
    /// sent, as any gRPC proxy does, except transport, hop-by-hop and grpc-web headers and those Strait sets itself
    /// (request id, trace context, <c>X-Forwarded-*</c>, added as for REST). Gateway-owned headers and the size limit
    /// are enforced; the rules of <c>headers.rules</c> are HTTP ⇄ metadata mappings and apply to REST routes only.
    /// </summary>
    public static Problem? MapVerbatim(HttpRequest request, HeaderMappingPlan plan, RequestIdentity identity, GrpcMetadata metadata)
    {
        var headers = request.Headers;
        if (headers.Count > plan.MaxHeaderCount)
        {
            return Problems.TooManyHeaders(headers.Count, plan.MaxHeaderCount);
        }

        foreach (var owned in plan.GatewayOwnedNames)
        {
            if (headers.ContainsKey(owned))
            {
                return Problems.InvalidHeader(owned, $"The request header '{owned}' is set by the gateway; clients cannot send it.");
            }
        }

        var connection = ConnectionHeader.Of(headers);
        foreach (var (name, values) in headers)
        {
            if (NotVerbatim.Contains(name) || (connection.Count > 0 && HttpHeaderNames.IsNamedIn(connection, name)))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (value is not null)
                {
                    // Reserved (grpc-*, pseudo-headers) and malformed entries are dropped, as on receipt from an upstream.
                    metadata.AddFromWire(name, value);
                }
            }
        }

        AddGatewayMetadata(request, connection, plan, identity, metadata);
        return CheckSize(metadata, plan);
    }

    private static Problem? CheckSize(GrpcMetadata metadata, HeaderMappingPlan plan)
    {
        var size = SizeOf(metadata);
        return size > plan.MaxMetadataSize ? Problems.MetadataTooLarge(size, plan.MaxMetadataSize) : null;
    }

    // Kestrel keeps the case a client sent for names it does not know, and canonical case for those it does.
    private static bool HasExactName(IHeaderDictionary headers, string name)
    {
        foreach (var key in headers.Keys)
        {
            if (key.Equals(name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static Problem? MapRule(HeaderRule rule, StringValues values, HeaderMappingPlan plan, GrpcMetadata metadata, bool debug, ILogger logger)
    {
        var name = rule.HttpHeader;
        if (plan.Overwrite)
        {
            metadata.RemoveAll(rule.MetadataKey);
        }

        foreach (var raw in values)
        {
            if (raw is null)
            {
                continue;
            }

            if (!rule.TryTransform(raw, out var value, out var error))
            {
                return Problems.InvalidHeader(name, $"The request header '{name}' cannot be mapped to '{rule.MetadataKey}': {error}.");
            }

            if (!TryAdd(metadata, rule.MetadataKey, value))
            {
                return Problems.InvalidHeader(name, rule.IsBinary
                    ? $"The request header '{name}' is not valid base64, which metadata '{rule.MetadataKey}' needs."
                    : $"The request header '{name}' contains characters that are not printable ASCII; map it to a '-bin' metadata key to send bytes.");
            }

            if (debug)
            {
                LogMapped(logger, name, rule.MetadataKey, SensitiveHeaders.Show(name, plan, value));
            }
        }

        return null;
    }

    private static Problem? MapCompatible(string name, StringValues values, RouteHeaderRules rules, HeaderMappingPlan plan, GrpcMetadata metadata)
    {
        if (name.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
        {
            // Keys that come from their own header (Authorization, the mode's grpcgateway-*), from a rule or from the
            // gateway must not be supplied a second way, which would slip past their checks and transforms.
            var key = name[MetadataPrefix.Length..].ToLowerInvariant();
            if (!GrpcMetadata.IsValidKey(key) || HttpHeaderNames.IsProtocolKey(key) || GatewayMetadata.IsGatewaySet(key) || plan.GatewayOwned.Contains(key) || key == "authorization"
                || key.StartsWith(CompatiblePrefix, StringComparison.Ordinal) || rules.IncomingKeys.Contains(key))
            {
                return Problems.InvalidHeader(name, $"The request header '{name}' does not name a metadata key that can be forwarded (letters, digits, '-', '_', '.'; not a reserved, hop-by-hop, gateway-set, gateway-owned or rule-mapped name).");
            }

            return AddAll(name, key, values, metadata);
        }

        if (!PermanentHeaders.Contains(name))
        {
            return null;
        }

        // grpc-gateway always forwards Authorization under its own name as well, unless a rule produces that key.
        if (name.Equals("authorization", StringComparison.OrdinalIgnoreCase) && !rules.IncomingKeys.Contains("authorization")
            && AddAll(name, "authorization", values, metadata) is { } problem)
        {
            return problem;
        }

        return AddAll(name, CompatiblePrefix + name.ToLowerInvariant(), values, metadata);
    }

    private static Problem? AddAll(string name, string key, StringValues values, GrpcMetadata metadata)
    {
        foreach (var value in values)
        {
            if (value is not null && !TryAdd(metadata, key, value))
            {
                return Problems.InvalidHeader(name, GrpcMetadata.IsBinaryKey(key)
                    ? $"The request header '{name}' is not valid base64."
                    : $"The request header '{name}' contains characters that are not printable ASCII.");
            }
        }

        return null;
    }

    private static bool TryAdd(GrpcMetadata metadata, string key, string value)
    {
        if (!GrpcMetadata.IsBinaryKey(key))
        {
            if (!GrpcMetadata.IsValidTextValue(value))
            {
                return false;
            }

            metadata.AddValidated(key, value);
            return true;
        }

        if (!GrpcBinaryHeader.TryDecode(value, out var bytes))
        {
            return false;
        }

        metadata.AddValidated(key, bytes);
        return true;
    }

    private static void AddGatewayMetadata(HttpRequest request, StringValues connection, HeaderMappingPlan plan, RequestIdentity identity, GrpcMetadata metadata)
    {
        metadata.AddValidated(RequestIdentity.RequestIdHeader, identity.RequestId);
        AddIfValid(metadata, GatewayMetadata.TraceParent, EndToEnd(request.Headers, connection, GatewayMetadata.TraceParent));
        AddIfValid(metadata, GatewayMetadata.TraceState, EndToEnd(request.Headers, connection, GatewayMetadata.TraceState));

        var peer = request.HttpContext.Connection.RemoteIpAddress;
        var trusted = plan.IsTrustedProxy(peer);
        var peerText = peer?.IsIPv4MappedToIPv6 == true ? peer.MapToIPv4().ToString() : peer?.ToString();
        var forwardedFor = trusted ? EndToEnd(request.Headers, connection, GatewayMetadata.ForwardedFor).ToString() : string.Empty;
        var chain = string.IsNullOrEmpty(forwardedFor) ? peerText : peerText is null ? forwardedFor : forwardedFor + ", " + peerText;
        AddIfValid(metadata, GatewayMetadata.ForwardedFor, chain);

        var host = trusted ? EndToEnd(request.Headers, connection, GatewayMetadata.ForwardedHost).ToString() : string.Empty;
        AddIfValid(metadata, GatewayMetadata.ForwardedHost, string.IsNullOrEmpty(host) ? request.Host.Value : host);
        var proto = trusted ? EndToEnd(request.Headers, connection, GatewayMetadata.ForwardedProto).ToString() : string.Empty;
        AddIfValid(metadata, GatewayMetadata.ForwardedProto, string.IsNullOrEmpty(proto) ? request.Scheme : proto);
    }

    // A header the Connection header names belongs to this hop alone (RFC 9110 §7.6.1), whatever else Connection lists.
    private static StringValues EndToEnd(IHeaderDictionary headers, StringValues connection, string name) =>
        connection.Count > 0 && HttpHeaderNames.IsNamedIn(connection, name) ? StringValues.Empty : headers[name];

    private static void AddIfValid(GrpcMetadata metadata, string key, StringValues values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrEmpty(value) && GrpcMetadata.IsValidTextValue(value))
            {
                metadata.AddValidated(key, value);
            }
        }
    }

    private static int SizeOf(GrpcMetadata metadata)
    {
        var size = 0;
        foreach (var entry in metadata)
        {
            size += entry.Key.Length + (entry.IsBinary ? entry.ValueBytes.Length : entry.Value.Length);
        }

        return size;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "header {Header} → metadata {Key}: {Value}")]
    private static partial void LogMapped(ILogger logger, string header, string key, string value);
}
