using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Edge.WebSockets;
using Strait.Errors;
using Strait.Headers;
using Strait.Hosting;
using Strait.Json;
using Strait.Observability;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Routing;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// REST/JSON → gRPC unary transcoding. One request runs top to bottom:
/// identify → route → map headers to metadata → read body → build the request message → call the backend →
/// map reply metadata to headers and trailers → transcode the reply. Every failure on the way becomes one
/// <see cref="Problem"/>, rendered once at the end.
/// </summary>
public sealed partial class RestTranscodingEndpoint
{
    private readonly ILogger logger;

    public RestTranscodingEndpoint(ILogger<RestTranscodingEndpoint> logger)
    {
        this.logger = logger;
    }

    public async Task InvokeAsync(HttpContext context, GatewaySnapshot snapshot, RequestTarget target, RequestIdentity identity)
    {
        var started = Stopwatch.GetTimestamp();

        var outcome = new CallOutcome();
        try
        {
            var problem = await TranscodeAsync(context, snapshot, target, identity, outcome, logger).ConfigureAwait(false);
            if (problem is not null && !context.RequestAborted.IsCancellationRequested)
            {
                outcome.GrpcStatus ??= problem.GrpcStatus;
                await snapshot.ProblemWriter.WriteAsync(context, problem, identity, snapshot.DetailRenderer).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (ClientRequestBody.ClientIsGone(context, e))
        {
            // The client went away (a cancelled read or a reset connection): nobody is left to answer.
            outcome.GrpcStatus = GrpcStatusCode.Cancelled;
            outcome.ClientGone = true;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            // The body itself (ClientRequestBody): bad chunk framing, a short body, a client too slow to send it.
            LogUnreadableBody(logger, e.Message, identity.RequestId);
            outcome.GrpcStatus = GrpcStatusCode.InvalidArgument;
            await snapshot.ProblemWriter.WriteAsync(context, Problems.UnreadableBody(e.StatusCode), identity, snapshot.DetailRenderer).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            LogUnexpected(logger, e, identity.RequestId);
            await snapshot.ProblemWriter.WriteAsync(context, Problems.Internal(), identity, snapshot.DetailRenderer).ConfigureAwait(false);
        }
        finally
        {
            if (outcome.Replay is { } replay && await replay.FinishAsync(context).ConfigureAwait(false) is { } storeFailure)
            {
                LogStoreFailure(logger, storeFailure, identity.RequestId);
            }

            var status = outcome.ClientGone || context.RequestAborted.IsCancellationRequested ? GrpcHttpStatusMap.ClientClosedRequest : context.Response.StatusCode;
            LogRequest(
                logger,
                context.Request.Method,
                target.RawPath,
                status,
                outcome.Replayed ? "REPLAYED" : outcome.GrpcStatus?.ToCanonicalName() ?? "-",
                outcome.Method ?? "-",
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                outcome.Attempts,
                identity.RequestId);
        }
    }

    private static async Task<Problem?> TranscodeAsync(HttpContext context, GatewaySnapshot snapshot, RequestTarget target, RequestIdentity identity, CallOutcome outcome, ILogger logger)
    {
        // 1. Route: the raw target keeps %2F apart from '/', which the path variables' decoding rules depend on.
        var rawPath = target.RawPath;
        var webSocket = context.WebSockets.IsWebSocketRequest;
        var match = webSocket ? MatchWebSocket(snapshot.RouteTable, rawPath) : snapshot.RouteTable.Match(context.Request.Method, rawPath);
        if (!match.IsMatched && HttpMethods.IsHead(context.Request.Method))
        {
            // HEAD is GET without the body (RFC 9110 §9.3.2); Kestrel drops the body it is sent.
            var asGet = snapshot.RouteTable.Match(HttpMethods.Get, rawPath);
            if (asGet.IsMatched)
            {
                match = asGet;
            }
        }

        switch (match.Kind)
        {
            case RouteMatchKind.NotFound:
                return Problems.RouteNotFound(context.Request.Method, target.RawPath);
            case RouteMatchKind.MethodNotAllowed:
                return Problems.MethodNotAllowed(context.Request.Method, target.RawPath, match.AllowedMethods);
            case RouteMatchKind.BadRequest:
                return Problems.InvalidRequest("The request path is invalid: " + match.Error);
        }

        var route = match.Route!;
        outcome.Method = route.Method.FullName;
        if (webSocket && !route.Method.IsClientStreaming && !route.Method.IsServerStreaming)
        {
            return Problems.InvalidRequest($"WebSocket upgrades are accepted on routes of streaming methods; {route.Method.FullName} is unary.");
        }

        if (webSocket && !snapshot.Cors.AllowsWebSocket(context))
        {
            return Problems.OriginNotAllowed(context.Request.Headers.Origin.ToString());
        }

        // 2. Rate limits, before any work is done for the request.
        if (await RateLimitHeaders.AdmitAsync(context, snapshot.RateLimits.For(route)).ConfigureAwait(false) is { } limited)
        {
            return limited;
        }

        // 3. Metadata, by the header mapping rules: checked before the body is received.
        var metadata = new GrpcMetadata();
        if (IncomingHeaderMapper.Map(context.Request, target.Path, route, snapshot.Headers, identity, metadata, logger) is { } headerProblem)
        {
            return headerProblem;
        }

        if (IdempotentRequest.ReadKey(context.Request, metadata, out var idempotencyKey) is { } keyProblem)
        {
            return keyProblem;
        }

        // 4. Request message: the query and path values are gathered first (the path wins over the query), then merged
        //    into the body while it is transcoded, so that each field is encoded once (ADR 0003).
        //    A streamed body (the JSON or NDJSON body of a client-streaming or bidirectional route, or WebSocket frames)
        //    is not read here: it is sent message by message in step 5, each with the same values merged in.
        var query = QueryBinder.Bind(route, target.RawQuery, snapshot.QueryOptions);
        if (!query.Succeeded)
        {
            return Problems.InvalidRequest(query.Error!);
        }

        if (RequestMessageBuilder.Bind(snapshot.Codec, route, query.Bindings, match.Bindings, out var bindings) is { } bindingProblem)
        {
            return bindingProblem;
        }

        using var message = new PooledBufferWriter(256);
        var streamsBody = webSocket || (route.Body is not null && route.Method.IsClientStreaming
            && (StreamedRequestBody.IsNdJson(context.Request.ContentType) || IsJson(context.Request.ContentType)));
        if (route.Body is not null && !streamsBody)
        {
            var bodyProblem = await ReadBodyAsync(context, snapshot, route, bindings, message).ConfigureAwait(false);
            if (bodyProblem is not null)
            {
                return bodyProblem;
            }
        }
        else if (!streamsBody)
        {
            RequestMessageBuilder.WriteBindings(bindings, message);
        }

        // 5. The call: its deadline (client's, capped, else the route's), then the cluster's bulkhead and the route's
        //    retry or hedging policy. Client disconnects cancel it (RST_STREAM upstream).
        var cluster = snapshot.Upstream.For(route);
        var routePolicy = snapshot.Policies.For(route);
        var deadlineProblem = DeadlineResolver.Resolve(
            context.Request.Headers, routePolicy.Policy, cluster.Settings.Timeout, snapshot.Policies.DeadlineHeader, DateTime.UtcNow, out var deadline);
        if (deadlineProblem is not null)
        {
            return deadlineProblem;
        }

        var call = new RestCall
        {
            Context = context,
            Snapshot = snapshot,
            Target = target,
            Identity = identity,
            Logger = logger,
            Route = route,
            GrpcPath = snapshot.GrpcPathOf(route.Method),
            Cluster = cluster,
            Metadata = metadata,
            Bindings = bindings,
            Request = message.WrittenMemory,
            DeadlineUtc = deadline,
        };

        // Streams: replies are written as they arrive (NDJSON, SSE or WebSocket frames), and requests sent as the body's
        // messages or the socket's frames arrive, both at once for a bidirectional method; no retries.
        if (webSocket || streamsBody || route.Method.IsServerStreaming)
        {
            // A bidirectional route without a streamed body (none in its rule) sends its one message, as a server stream does.
            var (streamProblem, streamStatus) = webSocket
                ? await WebSocketCall.RunAsync(call).ConfigureAwait(false)
                : !streamsBody
                    ? await ServerStreamingCall.RunAsync(call).ConfigureAwait(false)
                    : route.Method.IsServerStreaming
                        ? await BidiStreamingCall.RunAsync(call).ConfigureAwait(false)
                        : await ClientStreamingCall.RunAsync(call).ConfigureAwait(false);
            outcome.GrpcStatus = streamStatus;
            outcome.Attempts = 1;
            return streamProblem;
        }

        // Idempotency-Key replay: a repeat is answered from the store, a reuse for another request refused.
        if (routePolicy.Policy.Replay is { } replayPolicy && idempotencyKey is not null)
        {
            var (replay, replayProblem) = await IdempotentRequest.BeginAsync(
                context, snapshot.Idempotency, replayPolicy, idempotencyKey, RouteClaims.RouteKey(route), snapshot.GrpcPathOf(route.Method), message.WrittenMemory, deadline, snapshot.MaxStoredResponse)
                .ConfigureAwait(false);
            if (replay is null)
            {
                outcome.Replayed = replayProblem is null;
                return replayProblem;
            }

            outcome.Replay = replay;
        }

        var request = new UnaryCallRequest(
            snapshot.GrpcPathOf(route.Method),
            message.WrittenMemory,
            metadata,
            deadline,
            AffinityKey.HashOf(cluster.Settings.Affinity, context.Request.Headers, metadata),
            routePolicy.Idempotent ? RepeatSafety.Idempotent : idempotencyKey is not null ? RepeatSafety.Keyed : RepeatSafety.Never);
        using var callOutcome = await ResilientInvoker.InvokeAsync(cluster, routePolicy.Policy, request, context.RequestAborted).ConfigureAwait(false);
        outcome.Attempts = callOutcome.Attempts;
        if (callOutcome.Result is not { } result)
        {
            return callOutcome.Rejection;
        }

        // 6. The reply: its metadata mapped to headers and trailers, then the message transcoded.
        outcome.GrpcStatus = result.Status.Code;
        return await ResponseWriter.WriteWholeAsync(call, result.Status, result.ResponseHeaders, result.Trailers, ReplyBody.Message(result.Message)).ConfigureAwait(false);
    }

    /// <summary>
    /// A WebSocket handshake is a GET whatever the route's verb: it takes the first route of a streaming method on the
    /// path, trying GET first, then the verbs a streaming method's rule usually has.
    /// </summary>
    private static RouteMatch MatchWebSocket(RouteTable routes, string rawPath)
    {
        var first = routes.Match(HttpMethods.Get, rawPath);
        if (first.IsMatched && (first.Route!.Method.IsClientStreaming || first.Route.Method.IsServerStreaming))
        {
            return first;
        }

        foreach (var verb in WebSocketVerbs)
        {
            var match = routes.Match(verb, rawPath);
            if (match.IsMatched && (match.Route!.Method.IsClientStreaming || match.Route.Method.IsServerStreaming))
            {
                return match;
            }
        }

        return first.IsMatched ? first : routes.Match(HttpMethods.Post, rawPath) is { IsMatched: true } post ? post : first;
    }

    private static readonly string[] WebSocketVerbs = [HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete];

    private static async Task<Problem?> ReadBodyAsync(HttpContext context, GatewaySnapshot snapshot, HttpRoute route, MessageBindings? bindings, PooledBufferWriter message)
    {
        var limit = snapshot.MaxRequestBodySize;
        if (context.Request.ContentLength > limit)
        {
            return Problems.PayloadTooLarge(limit);
        }

        // Checked before reading: a body that cannot be JSON is refused without being received.
        if (context.Request.ContentLength != 0 && !IsJson(context.Request.ContentType))
        {
            return Problems.UnsupportedMediaType(context.Request.ContentType);
        }

        using var body = await RequestBodyReader.ReadAsync(context.Request, limit, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.PayloadTooLarge(limit);
        }

        if (body.WrittenCount == 0)
        {
            RequestMessageBuilder.WriteBindings(bindings, message);
            return null;
        }

        try
        {
            RequestMessageBuilder.Write(snapshot, route, body.WrittenSpan, bindings, message);
            return null;
        }
        catch (ProtoJsonException e)
        {
            return Problems.InvalidRequest("The request body is invalid: " + e.Message, e.JsonPath, e.Message);
        }
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }

        var mediaType = MediaType.Of(contentType);
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{HttpMethod} {Path} → {Status} {GrpcStatus} {GrpcMethod} in {ElapsedMs:0.0} ms, {Attempts} attempts (request {RequestId})")]
    private static partial void LogRequest(ILogger logger, string httpMethod, string path, int status, string grpcStatus, string grpcMethod, double elapsedMs, int attempts, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The idempotency store did not record the answer of request {RequestId}; a repeat of it will run again")]
    private static partial void LogStoreFailure(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The body of request {RequestId} is unreadable: {Reason}")]
    private static partial void LogUnreadableBody(ILogger logger, string reason, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure while handling request {RequestId}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string requestId);

    private sealed class CallOutcome
    {
        public GrpcStatusCode? GrpcStatus { get; set; }

        public string? Method { get; set; }

        public int Attempts { get; set; }

        /// <summary>The request's Idempotency-Key claim, finished once the answer is written.</summary>
        public IdempotentRequest? Replay { get; set; }

        /// <summary>The answer came from the idempotency store.</summary>
        public bool Replayed { get; set; }

        /// <summary>The client left before its answer (its connection may not be marked aborted yet).</summary>
        public bool ClientGone { get; set; }
    }
}
