using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Buffers;
using Strait.Edge.WebSockets;
using Strait.Errors;
using Strait.Gateway;
using Strait.Headers;
using Strait.Json;
using Strait.Observability;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Routing;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// REST/JSON → gRPC transcoding. One request runs top to bottom: admission (1. route, 2. rate limits, 3. headers to
/// metadata, 4. the request message, 5. the deadline) makes a <see cref="RestCall"/>; 6. the call runs as its
/// <see cref="RestCallShape"/> does; 7. the reply's metadata map to headers and trailers and the reply is transcoded
/// (<see cref="ResponseWriter"/>), or streamed. Every failure on the way becomes one <see cref="Problem"/>, rendered
/// once at the end.
/// </summary>
internal sealed partial class RestTranscodingEndpoint
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
            var problem = Problems.Internal();
            outcome.GrpcStatus = problem.GrpcStatus;
            await snapshot.ProblemWriter.WriteAsync(context, problem, identity, snapshot.DetailRenderer).ConfigureAwait(false);
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
        // Steps 1–5 admit the request, or refuse it before the backend is called. The request message they build
        // (step 4) is sent by the call, so it lives as long as this request does.
        using var message = new PooledBufferWriter(256);
        var (call, refusal) = await AdmitAsync(context, snapshot, target, identity, message, outcome, logger).ConfigureAwait(false);
        if (call is null)
        {
            return refusal;
        }

        // 6. The call, as its shape runs it.
        if (call.Shape == RestCallShape.Unary)
        {
            return await UnaryAsync(call, outcome).ConfigureAwait(false);
        }

        // Streams: replies are written as they arrive (NDJSON, SSE or WebSocket frames), and requests sent as the body's
        // messages or the socket's frames arrive, both at once for a bidirectional method; no retries.
        var (streamProblem, streamStatus) = await (call.Shape switch
        {
            RestCallShape.ServerStream => ServerStreamingCall.RunAsync(call),
            RestCallShape.ClientStream => ClientStreamingCall.RunAsync(call),
            RestCallShape.Bidi => BidiStreamingCall.RunAsync(call),
            RestCallShape.WebSocket => WebSocketCall.RunAsync(call),
            _ => throw new UnreachableException(),
        }).ConfigureAwait(false);
        outcome.GrpcStatus = streamStatus;
        outcome.Attempts = 1;
        return streamProblem;
    }

    /// <summary>Steps 1–5: everything that may refuse the request, before any of it is sent upstream.</summary>
    /// <param name="message">Receives the request message of a shape that sends one.</param>
    /// <returns>The call to run, or the problem that refuses the request.</returns>
    private static async ValueTask<(RestCall? Call, Problem? Refusal)> AdmitAsync(
        HttpContext context, GatewaySnapshot snapshot, RequestTarget target, RequestIdentity identity, PooledBufferWriter message, CallOutcome outcome, ILogger logger)
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
                return (null, Problems.RouteNotFound(context.Request.Method, target.RawPath));
            case RouteMatchKind.MethodNotAllowed:
                return (null, Problems.MethodNotAllowed(context.Request.Method, target.RawPath, match.AllowedMethods));
            case RouteMatchKind.BadRequest:
                return (null, Problems.InvalidRequest("The request path is invalid: " + match.Error));
        }

        var route = match.Route!;
        var plan = snapshot.Plans.For(route);
        outcome.Method = route.Method.FullName;
        if (webSocket && !route.Method.IsClientStreaming && !route.Method.IsServerStreaming)
        {
            return (null, Problems.InvalidRequest($"WebSocket upgrades are accepted on routes of streaming methods; {route.Method.FullName} is unary."));
        }

        if (webSocket && !snapshot.Cors.AllowsWebSocket(context))
        {
            return (null, Problems.OriginNotAllowed(context.Request.Headers.Origin.ToString()));
        }

        // 2. Rate limits, before any work is done for the request.
        if (await RateLimitHeaders.AdmitAsync(context, plan.RateLimits).ConfigureAwait(false) is { } limited)
        {
            return (null, limited);
        }

        // 3. Metadata, by the header mapping rules: checked before the body is received.
        var metadata = new GrpcMetadata();
        if (IncomingHeaderMapper.Map(context.Request, target.Path, plan.Headers!, snapshot.Headers, identity, metadata, logger) is { } headerProblem)
        {
            return (null, headerProblem);
        }

        if (IdempotentRequest.ReadKey(context.Request, metadata, out var idempotencyKey) is { } keyProblem)
        {
            return (null, keyProblem);
        }

        // 4. Request message: the query and path values are gathered first (the path wins over the query), then merged
        //    into the body while it is transcoded, so that each field is encoded once (ADR 0003).
        //    A streamed body (the JSON or NDJSON body of a client-streaming or bidirectional route, or WebSocket frames)
        //    is not read here: the call sends it message by message, each with the same values merged in.
        var query = QueryBinder.Bind(route, target.RawQuery, snapshot.QueryOptions);
        if (!query.Succeeded)
        {
            return (null, Problems.InvalidRequest(query.Error!));
        }

        if (RequestMessageBuilder.Bind(snapshot.Codec, route, query.Bindings, match.Bindings, out var bindings) is { } bindingProblem)
        {
            return (null, bindingProblem);
        }

        var shape = ShapeOf(context, route, webSocket);
        if (shape is RestCallShape.Unary or RestCallShape.ServerStream)
        {
            if (route.Body is null)
            {
                RequestMessageBuilder.WriteBindings(bindings, message);
            }
            else if (await ReadBodyAsync(context, snapshot, route, bindings, message).ConfigureAwait(false) is { } bodyProblem)
            {
                return (null, bodyProblem);
            }
        }

        // 5. The deadline: the client's, capped, else the route's. The cluster's bulkhead and the route's retry or hedging
        //    policy apply when the call runs; client disconnects cancel it (RST_STREAM upstream).
        var deadlineProblem = DeadlineResolver.Resolve(
            context.Request.Headers, plan.Call.Policy, plan.Cluster.Settings.Timeout, snapshot.Plans.DeadlineHeader, DateTime.UtcNow, out var deadline);
        if (deadlineProblem is not null)
        {
            return (null, deadlineProblem);
        }

        return (new RestCall
        {
            Context = context,
            Snapshot = snapshot,
            Target = target,
            Identity = identity,
            Logger = logger,
            Plan = plan,
            Shape = shape,
            Metadata = metadata,
            IdempotencyKey = idempotencyKey,
            Bindings = bindings,
            Request = message.WrittenMemory,
            DeadlineUtc = deadline,
        }, null);
    }

    /// <summary>
    /// A streaming method streams what its route lets it: the body, when the rule has one in JSON or NDJSON (a
    /// bidirectional route without one sends its one message, as a server stream does), and the replies.
    /// </summary>
    private static RestCallShape ShapeOf(HttpContext context, HttpRoute route, bool webSocket)
    {
        if (webSocket)
        {
            return RestCallShape.WebSocket;
        }

        var streamsBody = route.Body is not null && route.Method.IsClientStreaming
            && (StreamedRequestBody.IsNdJson(context.Request.ContentType) || IsJson(context.Request.ContentType));
        return (streamsBody, route.Method.IsServerStreaming) switch
        {
            (true, true) => RestCallShape.Bidi,
            (true, false) => RestCallShape.ClientStream,
            (false, true) => RestCallShape.ServerStream,
            (false, false) => RestCallShape.Unary,
        };
    }

    /// <summary>
    /// A unary call, through the cluster's bulkhead and the route's retry or hedging policy; with an Idempotency-Key, a
    /// repeat is answered from the store and a reuse for another request refused.
    /// </summary>
    private static async Task<Problem?> UnaryAsync(RestCall call, CallOutcome outcome)
    {
        var context = call.Context;
        var policy = call.Policy.Policy;
        if (policy.Replay is { } replayPolicy && call.IdempotencyKey is { } idempotencyKey)
        {
            var snapshot = call.Snapshot;
            var (replay, replayProblem) = await IdempotentRequest.BeginAsync(
                context, snapshot.Idempotency, replayPolicy, idempotencyKey, RouteClaims.RouteKey(call.Route), call.GrpcPath, call.Request, call.DeadlineUtc, snapshot.MaxStoredResponse)
                .ConfigureAwait(false);
            if (replay is null)
            {
                outcome.Replayed = replayProblem is null;
                return replayProblem;
            }

            outcome.Replay = replay;
        }

        var request = new UnaryCallRequest(
            call.GrpcPath,
            call.Request,
            call.Metadata,
            call.DeadlineUtc,
            AffinityKey.HashOf(call.Cluster.Settings.Affinity, context.Request.Headers, call.Metadata),
            call.Policy.Idempotent ? RepeatSafety.Idempotent : call.IdempotencyKey is not null ? RepeatSafety.Keyed : RepeatSafety.Never);
        using var callOutcome = await ResilientInvoker.InvokeAsync(call.Cluster, policy, request, context.RequestAborted).ConfigureAwait(false);
        outcome.Attempts = callOutcome.Attempts;
        if (callOutcome.Result is not { } result)
        {
            return callOutcome.Rejection;
        }

        // 7. The reply: its metadata mapped to headers and trailers, then the message transcoded.
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
