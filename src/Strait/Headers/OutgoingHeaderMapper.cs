using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Strait.Errors;
using Strait.Wire;

namespace Strait.Headers;

/// <summary>
/// gRPC response metadata → HTTP response headers and trailers, before the response starts. Rules first; unmapped
/// metadata become <c>Grpc-Metadata-*</c> headers in grpc-gateway mode and are dropped in explicit mode. Trailers
/// are real HTTP trailers when the client can take them (<c>TE: trailers</c> over HTTP/2), otherwise headers under
/// the trailer prefix.
/// </summary>
/// <remarks>
/// The success-status convention: header metadata <c>x-http-code</c> of 200, 201, 202 or 204 sets the status of a
/// successful reply, and <c>location</c> sets <c>Location</c>. Both are consumed here and never forwarded otherwise.
/// A value a transform rejects or that is not printable ASCII is dropped and logged; it never fails the request.
/// </remarks>
internal static partial class OutgoingHeaderMapper
{
    public const string StatusCodeKey = "x-http-code";
    public const string LocationKey = "location";
    private const string CompatiblePrefix = "Grpc-Metadata-";

    /// <summary>Applies the mapping; returns the problem a strict plan answers when required metadata are missing.</summary>
    /// <param name="path">The request path as the front door reads it, which <c>headers.skipPaths</c> are matched on.</param>
    /// <param name="succeeded">The call returned OK: only then do the status convention and required rules apply.</param>
    public static Problem? Apply(
        HttpContext context,
        string path,
        RouteHeaderRules routeRules,
        HeaderMappingPlan plan,
        GrpcMetadata responseHeaders,
        GrpcMetadata trailers,
        bool succeeded,
        ILogger logger,
        out int? successStatus)
    {
        var rules = plan.IsSkipped(path) ? null : routeRules;
        var response = context.Response;
        var realTrailers = AcceptsTrailers(context);
        var mapped = new SeenRules(plan.SeenRuleWords <= SeenRules.MaxStackWords ? stackalloc ulong[plan.SeenRuleWords] : new ulong[plan.SeenRuleWords]);

        successStatus = ForwardHeaderBlock(responseHeaders, succeeded, rules, plan, response, realTrailers, ref mapped, logger);
        foreach (var entry in trailers)
        {
            Forward(entry, fromTrailers: true, rules, plan, response, realTrailers, ref mapped, logger);
        }

        if (rules is null)
        {
            return null;
        }

        foreach (var rule in rules.OutgoingWithFallback)
        {
            if (mapped.Contains(rule))
            {
                continue;
            }

            if (rule.Default is { } fallback)
            {
                Deliver(response, rule.HttpHeader, fallback, toTrailer: rule.Target == OutgoingTarget.Trailer, plan, realTrailers);
                plan.Counters.Record(rule, incoming: false, HeaderRuleOutcome.Defaulted);
                continue;
            }

            if (succeeded)
            {
                plan.Counters.Record(rule, incoming: false, HeaderRuleOutcome.Missing);
                LogMissing(logger, rule.MetadataKey, rule.Label);
                if (plan.Strict)
                {
                    return Problems.MissingResponseMetadata(rule.MetadataKey);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The header block of a streamed reply (NDJSON, SSE), mapped as the stream starts: a stream's status line leaves
    /// before its trailers exist. Rules apply as for a unary reply, and defaults of rules that target a header; the
    /// status convention (<c>x-http-code</c>) does not, since a stream always answers 200, and required rules are not
    /// enforced, since their metadata may still come in the trailers.
    /// </summary>
    public static void ApplyStreamHead(HttpContext context, string path, RouteHeaderRules routeRules, HeaderMappingPlan plan, GrpcMetadata responseHeaders, ILogger logger)
    {
        var rules = plan.IsSkipped(path) ? null : routeRules;
        var response = context.Response;
        var realTrailers = AcceptsTrailers(context);
        var mapped = new SeenRules(plan.SeenRuleWords <= SeenRules.MaxStackWords ? stackalloc ulong[plan.SeenRuleWords] : new ulong[plan.SeenRuleWords]);
        ForwardHeaderBlock(responseHeaders, succeeded: true, rules, plan, response, realTrailers, ref mapped, logger);
        if (rules is null)
        {
            return;
        }

        foreach (var rule in rules.OutgoingWithFallback)
        {
            if (rule.Target == OutgoingTarget.Header && !mapped.Contains(rule) && rule.Default is { } fallback)
            {
                Deliver(response, rule.HttpHeader, fallback, toTrailer: false, plan, realTrailers);
                plan.Counters.Record(rule, incoming: false, HeaderRuleOutcome.Defaulted);
            }
        }
    }

    /// <summary>
    /// The trailers of a streamed reply, once it ended: HTTP trailers when the client takes them (HTTP/2 with
    /// <c>TE: trailers</c>), with the defaults of rules that did not target a header and saw no metadata. Without
    /// trailers they are dropped: the headers left with the first message. Rules that target a header cannot apply.
    /// </summary>
    public static void ApplyStreamTrailers(
        HttpContext context, string path, RouteHeaderRules rules, HeaderMappingPlan plan, GrpcMetadata responseHeaders, GrpcMetadata trailers, ILogger logger)
    {
        if (!AcceptsTrailers(context) || plan.IsSkipped(path))
        {
            return;
        }

        var response = context.Response;
        var mapped = new SeenRules(plan.SeenRuleWords <= SeenRules.MaxStackWords ? stackalloc ulong[plan.SeenRuleWords] : new ulong[plan.SeenRuleWords]);
        foreach (var entry in responseHeaders)
        {
            if (rules.OutgoingByKey.TryGetValue(entry.Key, out var matched))
            {
                foreach (var rule in matched)
                {
                    mapped.Add(rule);
                }
            }
        }

        foreach (var entry in trailers)
        {
            Forward(entry, fromTrailers: true, rules, plan, response, realTrailers: true, ref mapped, logger, headersSent: true);
        }

        foreach (var rule in rules.OutgoingWithFallback)
        {
            if (rule.Target != OutgoingTarget.Header && !mapped.Contains(rule) && rule.Default is { } fallback)
            {
                Deliver(response, rule.HttpHeader, fallback, toTrailer: true, plan, realTrailers: true);
                plan.Counters.Record(rule, incoming: false, HeaderRuleOutcome.Defaulted);
            }
        }
    }

    /// <returns>The success status the header block asks for (<c>x-http-code</c>), if any.</returns>
    private static int? ForwardHeaderBlock(
        GrpcMetadata headers, bool succeeded, RouteHeaderRules? rules, HeaderMappingPlan plan, HttpResponse response, bool realTrailers, ref SeenRules mapped, ILogger logger)
    {
        int? successStatus = null;
        foreach (var entry in headers)
        {
            if (entry.Key == StatusCodeKey)
            {
                successStatus = succeeded ? ParseSuccessStatus(entry.Value, logger) : null;
                continue;
            }

            if (entry.Key == LocationKey && succeeded && (rules is null || !rules.OutgoingByKey.ContainsKey(LocationKey)))
            {
                if (GrpcMetadata.IsValidTextValue(entry.Value))
                {
                    response.Headers.Location = entry.Value;
                }

                continue;
            }

            Forward(entry, fromTrailers: false, rules, plan, response, realTrailers, ref mapped, logger);
        }

        return successStatus;
    }

    /// <summary>HTTP/2 (or later) with <c>TE: trailers</c> and a server that can send them.</summary>
    private static bool AcceptsTrailers(HttpContext context)
    {
        var request = context.Request;
        return !HttpProtocol.IsHttp10(request.Protocol) && !HttpProtocol.IsHttp11(request.Protocol)
            && HttpHeaderNames.IsNamedIn(request.Headers.TE, "trailers")
            && context.Response.SupportsTrailers();
    }

    private static void Forward(
        GrpcMetadataEntry entry,
        bool fromTrailers,
        RouteHeaderRules? rules,
        HeaderMappingPlan plan,
        HttpResponse response,
        bool realTrailers,
        ref SeenRules mapped,
        ILogger logger,
        bool headersSent = false)
    {
        if (rules is not null && rules.OutgoingByKey.TryGetValue(entry.Key, out var matched))
        {
            foreach (var rule in matched)
            {
                // The backend did send the metadata: a rejected value is dropped, but the rule is not "missing".
                mapped.Add(rule);
                if (headersSent && rule.Target == OutgoingTarget.Header)
                {
                    plan.Counters.Record(rule, incoming: false, HeaderRuleOutcome.Rejected);
                    LogTooLate(logger, entry.Key, rule.Label);
                    continue;
                }

                if (!rule.TryTransform(entry.Value, out var value, out var error) || !GrpcMetadata.IsValidTextValue(value))
                {
                    plan.Counters.Record(rule, incoming: false, HeaderRuleOutcome.Rejected);
                    LogDropped(logger, entry.Key, rule.Label, error ?? "the value is not printable ASCII");
                    continue;
                }

                var toTrailer = rule.Target switch
                {
                    OutgoingTarget.Header => false,
                    OutgoingTarget.Trailer => true,
                    _ => fromTrailers,
                };
                Deliver(response, rule.HttpHeader, value, toTrailer, plan, realTrailers);
                plan.Counters.Record(rule, incoming: false, HeaderRuleOutcome.Mapped);
            }

            return;
        }

        if (rules is not null && plan.IsGrpcGatewayCompatible)
        {
            // As grpc-gateway does: unmapped trailers keep the prefix whether they go out as trailers or as headers.
            var name = (fromTrailers ? plan.TrailerPrefix : CompatiblePrefix) + entry.Key;
            if (fromTrailers && realTrailers)
            {
                AppendTrailer(response, name, entry.Value);
            }
            else
            {
                Append(response.Headers, name, entry.Value);
            }
        }
    }

    private static void Deliver(HttpResponse response, string name, string value, bool toTrailer, HeaderMappingPlan plan, bool realTrailers)
    {
        if (!toTrailer)
        {
            Append(response.Headers, name, value);
        }
        else if (realTrailers)
        {
            AppendTrailer(response, name, value);
        }
        else
        {
            Append(response.Headers, plan.TrailerPrefix + name, value);
        }
    }

    // Rule names are checked when the plan is compiled, but a prefix and a backend's key can still spell a protocol
    // header ("Content-" + "length"): such a name never goes out.
    private static bool IsDeliverable(string name) => !HttpHeaderNames.IsHopByHop(name) && !HttpHeaderNames.DescribesTheBody(name);

    private static void Append(IHeaderDictionary headers, string name, string value)
    {
        if (IsDeliverable(name))
        {
            headers[name] = StringValues.Concat(headers[name], value);
        }
    }

    private static void AppendTrailer(HttpResponse response, string name, string value)
    {
        if (IsDeliverable(name))
        {
            response.AppendTrailer(name, value);
        }
    }

    private static int? ParseSuccessStatus(string value, ILogger logger)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is 200 or 201 or 202 or 204)
        {
            return status;
        }

        LogBadStatus(logger, value);
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Response metadata '{Key}' required by {Rule} is missing from the backend's reply")]
    private static partial void LogMissing(ILogger logger, string key, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Response metadata '{Key}' dropped by {Rule}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string key, string rule, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trailer metadata '{Key}' of a stream dropped by {Rule}: the rule targets a header, and the stream's headers have left")]
    private static partial void LogTooLate(ILogger logger, string key, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored x-http-code '{Value}' from the backend: only 200, 201, 202 and 204 can be set")]
    private static partial void LogBadStatus(ILogger logger, string value);
}
