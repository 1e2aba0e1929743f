using System.Net;
using Strait.Observability;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Headers;

/// <summary>
/// Validates <see cref="HeaderMappingOptions"/> and compiles them into a <see cref="HeaderMappingPlan"/>. Every problem
/// is reported at once, each with its place in the configuration (<c>headers.rules[2].transforms[0]</c>).
/// </summary>
internal static class HeaderMappingCompiler
{
    /// <returns>Null when <paramref name="errors"/> got problems: every one in the options, each with its place.</returns>
    public static HeaderMappingPlan? TryCompile(HeaderMappingOptions options, HeaderTransformRegistry transforms, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transforms);
        var before = errors.Count;
        bool? grpcGateway = options.Mode switch
        {
            HeaderMappingModes.Explicit => false,
            HeaderMappingModes.GrpcGateway => true,
            _ => null,
        };
        if (grpcGateway is null)
        {
            errors.Add($"headers.mode: '{options.Mode}' is not a mode; use '{HeaderMappingModes.Explicit}' or '{HeaderMappingModes.GrpcGateway}'");
        }

        for (var i = 0; i < options.SkipPaths.Count; i++)
        {
            if (string.IsNullOrEmpty(options.SkipPaths[i]) || options.SkipPaths[i][0] != '/')
            {
                errors.Add($"headers.skipPaths[{i}]: '{options.SkipPaths[i]}' must start with '/' (end it with '*' for a prefix)");
            }
            else if (PercentEncoding.FindMalformedEscape(options.SkipPaths[i]) >= 0)
            {
                errors.Add($"headers.skipPaths[{i}]: '{options.SkipPaths[i]}' has a '%' that is not followed by two hex digits");
            }
            else if (DotSegments.Contains(options.SkipPaths[i].TrimEnd('*')))
            {
                errors.Add($"headers.skipPaths[{i}]: '{options.SkipPaths[i]}' has a '.' or '..' segment, which no request can have (they are refused)");
            }
        }

        if (!HttpHeaderNames.IsToken(options.TrailerPrefix))
        {
            errors.Add($"headers.trailerPrefix: '{options.TrailerPrefix}' is not a valid HTTP header name prefix");
        }

        if (options.MaxHeaderCount < 1)
        {
            errors.Add("headers.maxHeaderCount: must be at least 1");
        }

        if (options.MaxMetadataSize < 1)
        {
            errors.Add("headers.maxMetadataSize: must be at least 1");
        }

        var owned = new List<string>();
        for (var i = 0; i < options.GatewayOwned.Count; i++)
        {
            var name = options.GatewayOwned[i];
            if (!HttpHeaderNames.IsToken(name))
            {
                errors.Add($"headers.gatewayOwned[{i}]: '{name}' is not a valid HTTP header name");
            }
            else
            {
                owned.Add(name);
            }
        }

        var proxies = new List<IPNetwork>();
        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            var text = options.TrustedProxies[i]?.Trim() ?? string.Empty;
            if (IPNetwork.TryParse(text, out var network))
            {
                proxies.Add(network);
            }
            else if (IPAddress.TryParse(text, out var address))
            {
                proxies.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                errors.Add($"headers.trustedProxies[{i}]: '{text}' is neither an IP address nor a CIDR range (10.0.0.0/8)");
            }
        }

        var incoming = new List<HeaderRule>();
        var outgoing = new List<HeaderRule>();
        var seen = new Dictionary<string, (int Index, string Fingerprint)>(StringComparer.Ordinal);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = CompileRule(options.Rules[i], i, transforms, owned, options.CaseSensitive, errors);
            if (rule is null)
            {
                continue;
            }

            var (compiled, direction) = rule.Value;
            foreach (var side in direction == HeaderDirection.Both ? [HeaderDirection.Incoming, HeaderDirection.Outgoing] : new[] { direction })
            {
                var header = options.CaseSensitive ? compiled.HttpHeader : compiled.HttpHeader.ToLowerInvariant();
                var identity = string.Join('\u0001', side, header, compiled.MetadataKey, ScopeText(options.Rules[i].Scope));
                var fingerprint = string.Join('\u0001', compiled.Required, compiled.Default, string.Join(',', compiled.Transforms), compiled.Target);
                if (seen.TryGetValue(identity, out var earlier))
                {
                    errors.Add(earlier.Fingerprint == fingerprint
                        ? $"headers.rules[{i}]: duplicates headers.rules[{earlier.Index}] ({Name(side)} {compiled.HttpHeader} ⇄ {compiled.MetadataKey})"
                        : $"headers.rules[{i}]: contradicts headers.rules[{earlier.Index}]: both map {Name(side)} {compiled.HttpHeader} ⇄ {compiled.MetadataKey} in the same scope with different settings");
                    continue;
                }

                seen.Add(identity, (i, fingerprint));
                (side == HeaderDirection.Incoming ? incoming : outgoing).Add(compiled);
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new HeaderMappingPlan(
            grpcGateway!.Value,
            options.CaseSensitive,
            options.Overwrite,
            options.TrailerPrefix,
            options.Strict,
            options.SkipPaths,
            owned,
            proxies,
            [.. SensitiveHeaders.BuiltIn, .. options.SensitiveHeaders.Where(name => !string.IsNullOrWhiteSpace(name))],
            options.Rules.Count,
            options.MaxHeaderCount,
            options.MaxMetadataSize,
            incoming,
            outgoing);
    }

    private static (HeaderRule Rule, HeaderDirection Direction)? CompileRule(
        HeaderRuleOptions options,
        int index,
        HeaderTransformRegistry registry,
        List<string> owned,
        bool caseSensitive,
        List<string> errors)
    {
        var at = $"headers.rules[{index}]";
        var errorCount = errors.Count;
        var header = options.HttpHeader?.Trim() ?? string.Empty;
        if (header.Length == 0)
        {
            errors.Add($"{at}.httpHeader: is empty; every rule names an HTTP header");
        }
        else if (!HttpHeaderNames.IsToken(header))
        {
            errors.Add($"{at}.httpHeader: '{header}' is not a valid HTTP header name");
        }
        else if (HttpHeaderNames.IsHopByHop(header) || HttpHeaderNames.IsReserved(header))
        {
            errors.Add($"{at}.httpHeader: '{header}' is a hop-by-hop or protocol header and cannot be mapped");
        }

        var key = (options.GrpcMetadata ?? header).Trim();
        if (options.GrpcMetadata is not null && !key.Equals(key.ToLowerInvariant(), StringComparison.Ordinal))
        {
            errors.Add($"{at}.grpcMetadata: '{key}' must be lower case (gRPC metadata keys are)");
        }

        key = key.ToLowerInvariant();
        if (header.Length > 0 && !GrpcMetadata.IsValidKey(key))
        {
            errors.Add($"{at}.grpcMetadata: '{key}' is not a valid metadata key (letters, digits, '-', '_', '.')");
        }
        else if (HttpHeaderNames.IsProtocolKey(key))
        {
            errors.Add($"{at}.grpcMetadata: '{key}' is reserved by the gRPC protocol");
        }
        else if (GatewayMetadata.IsGatewaySet(key))
        {
            errors.Add($"{at}.grpcMetadata: '{key}' is set by Strait itself (request id, trace context, X-Forwarded-*)");
        }

        HeaderDirection? parsed = (options.Direction?.Trim().ToLowerInvariant() ?? HeaderDirections.Incoming) switch
        {
            HeaderDirections.Incoming => HeaderDirection.Incoming,
            HeaderDirections.Outgoing => HeaderDirection.Outgoing,
            HeaderDirections.Both => HeaderDirection.Both,
            _ => null,
        };
        if (parsed is null)
        {
            errors.Add($"{at}.direction: '{options.Direction}' is not a direction; use incoming, outgoing or both");
        }

        var direction = parsed ?? HeaderDirection.Incoming;
        if (direction != HeaderDirection.Outgoing && owned.Contains(header, caseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{at}.httpHeader: '{header}' is gateway-owned (headers.gatewayOwned); a client's value must never be mapped");
        }

        var target = OutgoingTarget.Source;
        if (options.Target is { } targetText)
        {
            OutgoingTarget? forced = targetText.Trim().ToLowerInvariant() switch
            {
                "header" => OutgoingTarget.Header,
                "trailer" => OutgoingTarget.Trailer,
                _ => null,
            };
            if (forced is null)
            {
                errors.Add($"{at}.target: '{options.Target}' is not a target; use header or trailer");
            }
            else if (direction is HeaderDirection.Incoming)
            {
                errors.Add($"{at}.target: applies only to outgoing (or both-way) rules");
            }
            else
            {
                target = forced.Value;
            }
        }

        if (options.Required && options.Default is not null)
        {
            errors.Add($"{at}: is required and has a default, so it can never be missing; keep one of the two");
        }

        if (options.Default is { } fallback && !GrpcMetadata.IsBinaryKey(key) && !GrpcMetadata.IsValidTextValue(fallback))
        {
            errors.Add($"{at}.default: '{fallback}' holds characters that are not printable ASCII");
        }
        else if (options.Default is { } binaryFallback && GrpcMetadata.IsBinaryKey(key) && !GrpcBinaryHeader.TryDecode(binaryFallback, out _))
        {
            errors.Add($"{at}.default: '{binaryFallback}' is not base64, which a -bin key's default must be");
        }

        var transforms = new List<HeaderTransform>();
        for (var t = 0; t < options.Transforms.Count; t++)
        {
            try
            {
                transforms.Add(registry.Create(options.Transforms[t]));
            }
            catch (FormatException e)
            {
                errors.Add($"{at}.transforms[{t}]: {e.Message}");
            }
        }

        var scope = options.Scope is null
            ? HeaderRuleScope.Everywhere
            : new HeaderRuleScope(options.Scope.Routes, options.Scope.Services, options.Scope.Methods);
        if (options.Scope is not null)
        {
            for (var r = 0; r < options.Scope.Routes.Count; r++)
            {
                if (options.Scope.Routes[r] is not { } route || !route.StartsWith('/'))
                {
                    errors.Add($"{at}.scope.routes[{r}]: '{options.Scope.Routes[r]}' must start with '/'");
                }
            }

            foreach (var (list, name) in new[] { (options.Scope.Services, "services"), (options.Scope.Methods, "methods") })
            {
                for (var p = 0; p < list.Count; p++)
                {
                    if (string.IsNullOrWhiteSpace(list[p]))
                    {
                        errors.Add($"{at}.scope.{name}[{p}]: is empty; give a full name or a pattern with '*'");
                    }
                }
            }
        }

        return errors.Count > errorCount
            ? null
            : (new HeaderRule(index, header, key, options.Required, options.Default, [.. transforms], target, scope), direction);
    }

    private static string Name(HeaderDirection direction) => direction == HeaderDirection.Incoming ? HeaderDirections.Incoming : HeaderDirections.Outgoing;

    private static string ScopeText(HeaderRuleScopeOptions? scope) => scope is null
        ? string.Empty
        : string.Join('|', string.Join(',', scope.Routes), string.Join(',', scope.Services), string.Join(',', scope.Methods));
}

/// <summary>Which way a rule maps: <c>headers.rules[i].direction</c>, parsed.</summary>
internal enum HeaderDirection
{
    Incoming,
    Outgoing,
    Both,
}

/// <summary>Metadata only Strait sets, from its own view of the request.</summary>
internal static class GatewayMetadata
{
    public const string ForwardedFor = "x-forwarded-for";
    public const string ForwardedHost = "x-forwarded-host";
    public const string ForwardedProto = "x-forwarded-proto";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public static bool IsGatewaySet(string key) =>
        key is RequestIdentity.RequestIdHeader or ForwardedFor or ForwardedHost or ForwardedProto or TraceParent or TraceState;
}
