using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Buffers;
using Strait.Edge.Rest;
using Strait.Errors;
using Strait.Gateway;
using Strait.Headers;
using Strait.Observability;
using Strait.Resilience;
using Strait.Resilience.Idempotency;
using Strait.Routing;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Edge.Grpc;

/// <summary>
/// Native gRPC and grpc-web → gRPC: the call is proxied to an endpoint of its method's cluster, message by message in
/// both directions, without decoding the messages. One request runs top to bottom:
/// resolve the method → rate limits → metadata (forwarded as sent) → request compression → deadline → cluster slot →
/// two pumps (client → upstream, upstream → client) → status and trailers in the client's framing.
/// Each pump holds one message at a time, so HTTP/2 flow control (and TCP for grpc-web over HTTP/1.1) carries
/// backpressure end to end; whichever side ends or fails first cancels the other (RST_STREAM upstream).
/// </summary>
internal sealed partial class GrpcProxyEndpoint
{
    private static readonly GrpcMetadata NoTrailers = new();
    private readonly ILogger logger;

    public GrpcProxyEndpoint(ILogger<GrpcProxyEndpoint> logger)
    {
        this.logger = logger;
    }

    /// <summary>Answers a call the front door refuses before it is proxied, in the client's framing.</summary>
    public static Task RefuseAsync(HttpContext context, GrpcEdgeProtocol protocol, GrpcStatus status) =>
        new GrpcEdgeResponse(context, protocol).FinishAsync(status, NoTrailers);

    public async Task InvokeAsync(HttpContext context, GatewaySnapshot snapshot, GrpcEdgeProtocol protocol, RequestTarget target, RequestIdentity identity)
    {
        var started = Stopwatch.GetTimestamp();
        var path = target.Path;
        var response = new GrpcEdgeResponse(context, protocol);
        var outcome = new StrongBox<GrpcStatus?>();
        try
        {
            if (await ProxyAsync(context, snapshot, protocol, identity, response, path, outcome).ConfigureAwait(false) is { } refusal)
            {
                outcome.Value = refusal;
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    await response.FinishAsync(refusal, NoTrailers).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (ClientRequestBody.ClientIsGone(context, e))
        {
            // The client reset the stream or closed the connection: nobody is left to answer.
        }
        catch (BadHttpRequestException e) when (!response.HasStarted)
        {
            // The body itself (ClientRequestBody): a grpc-web text body with bad chunk framing, cut short, too slow.
            LogUnreadableBody(logger, e.Message, identity.RequestId);
            outcome.Value = new GrpcStatus(GrpcStatusCode.InvalidArgument, "The request body could not be read.", origin: StatusOrigin.Edge);
            await response.FinishAsync(outcome.Value, NoTrailers).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogUnexpected(logger, e, identity.RequestId);
            outcome.Value = new GrpcStatus(GrpcStatusCode.Internal, "The gateway failed to handle the call.", origin: StatusOrigin.Local);
            try
            {
                // Trailers can still end a started response; the ending is written once.
                await response.FinishAsync(outcome.Value, NoTrailers).ConfigureAwait(false);
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested || response.HasStarted)
            {
                context.Abort();
            }
        }
        finally
        {
            LogCall(
                logger,
                protocol,
                path,
                context.RequestAborted.IsCancellationRequested ? "CANCELLED (client)" : outcome.Value?.Code.ToCanonicalName() ?? "-",
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                identity.RequestId);
        }
    }

    /// <returns>A status to answer when the call did not run (its trailers not yet written); null when the call wrote its own ending.</returns>
    private static async Task<GrpcStatus?> ProxyAsync(
        HttpContext context, GatewaySnapshot snapshot, GrpcEdgeProtocol protocol, RequestIdentity identity, GrpcEdgeResponse response, string path, StrongBox<GrpcStatus?> outcome)
    {
        // 1. The method, by its gRPC path; Strait proxies what its schema describes.
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return new GrpcStatus(GrpcStatusCode.Unimplemented, $"gRPC calls are POST requests, not {context.Request.Method}.", origin: StatusOrigin.Local);
        }

        if (snapshot.Schema.FindMethod(path) is not { } method)
        {
            return new GrpcStatus(GrpcStatusCode.Unimplemented, $"Method not found: {path}", origin: StatusOrigin.Local);
        }

        var plan = snapshot.Plans.For(method);

        // 2. Rate limits, before any work is done for the call.
        if (await RateLimitHeaders.AdmitAsync(context, plan.RateLimits).ConfigureAwait(false) is { } limited)
        {
            return StatusOf(limited);
        }

        // 3. Metadata: a gRPC request's headers are metadata already.
        var metadata = new GrpcMetadata();
        if (IncomingHeaderMapper.MapVerbatim(context.Request, snapshot.Headers, identity, metadata) is { } headerProblem)
        {
            return StatusOf(headerProblem);
        }

        var encodingHeader = context.Request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (!GrpcCompressionNames.TryParse(encodingHeader.Length == 0 ? null : encodingHeader, out var encoding))
        {
            context.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompressionNames.Gzip;
            return new GrpcStatus(GrpcStatusCode.Unimplemented, $"The message encoding '{encodingHeader}' is not supported; use gzip or identity.", origin: StatusOrigin.Local);
        }

        // 4. The deadline: the client's grpc-timeout, capped, else the method's policy or the cluster's default.
        var cluster = plan.Cluster;
        var policy = plan.Call;
        if (DeadlineResolver.Resolve(context.Request.Headers, policy.Policy, cluster.Settings.Timeout, snapshot.Plans.DeadlineHeader, DateTime.UtcNow, out var deadline) is { } deadlineProblem)
        {
            return StatusOf(deadlineProblem);
        }

        // 5. The request stream: the body itself, or for grpc-web-text its base64 decoded (such clients send one message).
        PipeReader requestBody;
        if (protocol == GrpcEdgeProtocol.WebText)
        {
            var decoded = await ReadTextBodyAsync(context, snapshot.MaxStreamMessageSize).ConfigureAwait(false);
            if (decoded is null)
            {
                return new GrpcStatus(GrpcStatusCode.InvalidArgument, "The grpc-web-text body is not base64 or exceeds the message size limit.", origin: StatusOrigin.Local);
            }

            requestBody = PipeReader.Create(new ReadOnlySequence<byte>(decoded));
        }
        else
        {
            if (method.IsClientStreaming || method.IsServerStreaming)
            {
                StreamingBodyLimits.Lift(context);
            }

            requestBody = context.Request.BodyReader;
        }

        // 6. A unary call is read whole (one message) and goes through the same retry, hedging and budget policy as a
        //    REST call; a streaming call runs on one endpoint, since messages are not kept once forwarded.
        if (!method.IsClientStreaming && !method.IsServerStreaming)
        {
            var repeat = policy.Idempotent ? RepeatSafety.Idempotent : context.Request.Headers.ContainsKey(IdempotentRequest.KeyHeader) ? RepeatSafety.Keyed : RepeatSafety.Never;
            outcome.Value = await UnaryAsync(context, snapshot, cluster, policy.Policy, plan.GrpcPath, metadata, deadline, requestBody, encoding, repeat, response).ConfigureAwait(false);
            return response.IsFinished ? null : outcome.Value;
        }

        var (slot, refusal) = await StreamSlot.TryTakeAsync(context, cluster, metadata, deadline, snapshot.StreamLimits).ConfigureAwait(false);
        if (slot is null)
        {
            return StatusOf(refusal!);
        }

        GrpcStatus? final = null;
        try
        {
            final = await RunAsync(context, snapshot, slot, plan.GrpcPath, metadata, requestBody, encoding, response).ConfigureAwait(false);
            outcome.Value = final;
            return null;
        }
        finally
        {
            slot.Finish(final);
        }
    }

    private static async Task<GrpcStatus> RunAsync(
        HttpContext context,
        GatewaySnapshot snapshot,
        StreamSlot slot,
        string grpcPath,
        GrpcMetadata metadata,
        PipeReader requestBody,
        GrpcCompression encoding,
        GrpcEdgeResponse response)
    {
        using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(slot.Token);
        var call = slot.StartCall(grpcPath, metadata, callCancellation.Token);
        var edgeFailure = new StrongBox<GrpcStatus?>();
        var requests = PumpRequestsAsync(call, requestBody, encoding, snapshot.MaxStreamMessageSize, edgeFailure, callCancellation, slot);
        GrpcStatus status;
        try
        {
            var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
            if (call.HasResponseStream)
            {
                await response.StartAsync(headers).ConfigureAwait(false);
                await PumpResponsesAsync(call, response, slot, callCancellation).ConfigureAwait(false);
            }
            else
            {
                // Trailers-Only upstream, or no answer at all: reading ends at once with the status.
                await call.MoveNextAsync().ConfigureAwait(false);
            }

            status = edgeFailure.Value ?? slot.Outcome(call.GetStatus());
        }
        finally
        {
            // The upstream finished (or failed): a client still sending is cut off, and the request pump must end
            // before the call is disposed, since the two share it.
            await callCancellation.CancelAsync().ConfigureAwait(false);
            await requests.ConfigureAwait(false);
            if (requestBody != context.Request.BodyReader)
            {
                await requestBody.CompleteAsync().ConfigureAwait(false);
            }

            await call.DisposeAsync().ConfigureAwait(false);
        }

        if (!context.RequestAborted.IsCancellationRequested)
        {
            await response.FinishAsync(status, call.Trailers).ConfigureAwait(false);
        }

        return status;
    }

    /// <returns>The call's status: with its answer written, or (an invalid request, a refused call) for the caller to write.</returns>
    private static async Task<GrpcStatus> UnaryAsync(
        HttpContext context,
        GatewaySnapshot snapshot,
        UpstreamCluster cluster,
        CallPolicy policy,
        string grpcPath,
        GrpcMetadata metadata,
        DateTime deadline,
        PipeReader requestBody,
        GrpcCompression encoding,
        RepeatSafety repeat,
        GrpcEdgeResponse response)
    {
        RentedBuffer message = default;
        using var receiving = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        receiving.CancelAfter(deadline - DateTime.UtcNow is { Ticks: > 0 } left ? left : TimeSpan.Zero);
        try
        {
            using (var frames = new GrpcFrameReader(requestBody, snapshot.MaxStreamMessageSize, encoding))
            {
                var count = 0;
                while (await frames.MoveNextAsync(receiving.Token).ConfigureAwait(false))
                {
                    if (++count > 1)
                    {
                        return new GrpcStatus(GrpcStatusCode.Internal, "A unary call takes one request message; the client sent more.", origin: StatusOrigin.Edge);
                    }

                    message = frames.DetachCurrent();
                }

                if (count == 0)
                {
                    return new GrpcStatus(GrpcStatusCode.Internal, "A unary call takes one request message; the client sent none.", origin: StatusOrigin.Edge);
                }
            }

            var call = new UnaryCallRequest(grpcPath, message.Memory, metadata, deadline, AffinityKey.HashOf(cluster.Settings.Affinity, context.Request.Headers, metadata), repeat);
            using var result = await ResilientInvoker.InvokeAsync(cluster, policy, call, context.RequestAborted).ConfigureAwait(false);
            if (result.Result is not { } answer)
            {
                return StatusOf(result.Rejection!);
            }

            if (answer.Status.Code == GrpcStatusCode.Ok)
            {
                // Head, message and trailers leave together: one write for the whole answer, made by the server as the
                // handler returns.
                response.SetHead(answer.ResponseHeaders);
                response.WriteMessage(answer.Message.Span);
                await response.FinishAsync(answer.Status, answer.Trailers, flush: false).ConfigureAwait(false);
                return answer.Status;
            }

            if (answer.ResponseHeaders.Count > 0)
            {
                // The backend sent headers before failing; they travel with the status.
                await response.StartAsync(answer.ResponseHeaders).ConfigureAwait(false);
            }

            await response.FinishAsync(answer.Status, answer.Trailers).ConfigureAwait(false);
            return answer.Status;
        }
        catch (GrpcException e)
        {
            return new GrpcStatus(e.Status.Code, "The client's request is invalid: " + e.Status.Message, origin: StatusOrigin.Edge);
        }
        catch (OperationCanceledException) when (receiving.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            return new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "The request message did not arrive before the call's deadline.", origin: StatusOrigin.Edge);
        }
        catch (BadHttpRequestException)
        {
            return new GrpcStatus(GrpcStatusCode.InvalidArgument, "The request body was cut short.", origin: StatusOrigin.Edge);
        }
        finally
        {
            message.Return();
        }
    }

    /// <summary>Forwards the client's messages until it half-closes; a malformed or oversized one fails the call with its status.</summary>
    private static async Task PumpRequestsAsync(
        GrpcCall call, PipeReader body, GrpcCompression encoding, int maxMessageSize, StrongBox<GrpcStatus?> edgeFailure, CancellationTokenSource callCancellation, StreamSlot slot)
    {
        // Runs beside the response pump from its first await on; yielding first keeps StartCall's caller moving.
        await Task.Yield();
        var ct = callCancellation.Token;
        try
        {
            using var frames = new GrpcFrameReader(body, maxMessageSize, encoding);
            while (await frames.MoveNextAsync(ct).ConfigureAwait(false))
            {
                slot.Touch();
                if (!await call.WriteMessageAsync(frames.Current, ct).ConfigureAwait(false))
                {
                    return;
                }
            }

            await call.CompleteRequestAsync().ConfigureAwait(false);
        }
        catch (GrpcException e)
        {
            edgeFailure.Value = new GrpcStatus(e.Status.Code, "The client's request stream is invalid: " + e.Status.Message, origin: StatusOrigin.Edge);
            await callCancellation.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException or InvalidOperationException)
        {
            // The call ended (its status is the upstream's or the deadline's), or the client went away (its token says so).
            if (!ct.IsCancellationRequested)
            {
                edgeFailure.Value = new GrpcStatus(GrpcStatusCode.Cancelled, "The client's request stream broke off.", origin: StatusOrigin.Edge);
                await callCancellation.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Copies upstream messages to the client, flushing whenever the next one is not already there. A flush the client
    /// does not take ends with the call (idle timeout, deadline, client gone); the pending read is always awaited, so the
    /// call is never disposed under it.
    /// </summary>
    private static async Task PumpResponsesAsync(GrpcCall call, GrpcEdgeResponse response, StreamSlot slot, CancellationTokenSource callCancellation)
    {
        var next = call.MoveNextAsync();
        var pending = true;
        try
        {
            while (await next.ConfigureAwait(false))
            {
                pending = false;
                slot.Touch();
                response.WriteMessage(call.Current.Span);
                next = call.MoveNextAsync();
                pending = true;
                if ((!next.IsCompleted || response.ShouldFlush) && !await response.FlushAsync(callCancellation.Token).ConfigureAwait(false))
                {
                    // The client is gone: RequestAborted cancels the call, and reading ends with its status.
                    break;
                }
            }

            pending = false;
        }
        catch (OperationCanceledException)
        {
            // The flush was cancelled with the call; the status says why (idle, deadline, or the client left).
        }
        finally
        {
            if (pending)
            {
                // Nobody reads on: the call is cancelled, so draining it ends at once.
                await callCancellation.CancelAsync().ConfigureAwait(false);
                while (await next.ConfigureAwait(false))
                {
                    next = call.MoveNextAsync();
                }
            }
        }
    }

    private static async Task<byte[]?> ReadTextBodyAsync(HttpContext context, int maxMessageSize)
    {
        // Base64 of one frame (header and message), with room for line breaks some clients add.
        long limit = ((maxMessageSize + GrpcFrameWriter.HeaderLength + 2) / 3 * 4) + 1024;
        using var body = await RequestBodyReader.ReadAsync(context.Request, limit, context.RequestAborted).ConfigureAwait(false);
        return body is null ? null : Base64Segments.Decode(body.WrittenSpan);
    }

    private static GrpcStatus StatusOf(Problem problem) =>
        new(problem.GrpcStatus, problem.Detail ?? problem.Title, origin: StatusOrigin.Local);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Protocol} {GrpcMethod} → {GrpcStatus} in {ElapsedMs:0.0} ms (request {RequestId})")]
    private static partial void LogCall(ILogger logger, GrpcEdgeProtocol protocol, string grpcMethod, string grpcStatus, double elapsedMs, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The body of call {RequestId} is unreadable: {Reason}")]
    private static partial void LogUnreadableBody(ILogger logger, string reason, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure while proxying call {RequestId}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string requestId);
}

/// <summary>Decodes base64 that may carry padding between segments, as grpc-web-text senders concatenate padded chunks.</summary>
internal static class Base64Segments
{
    public static byte[]? Decode(ReadOnlySpan<byte> text)
    {
        var output = new byte[(text.Length / 4 * 3) + 3];
        var total = 0;
        while (!text.IsEmpty)
        {
            var end = text.IndexOf((byte)'=');
            if (end < 0)
            {
                end = text.Length;
            }
            else
            {
                while (end < text.Length && text[end] == '=')
                {
                    end++;
                }
            }

            var segment = text[..end];
            if (Base64.DecodeFromUtf8(segment, output.AsSpan(total), out var consumed, out var written) != OperationStatus.Done || consumed != segment.Length)
            {
                return null;
            }

            total += written;
            text = text[end..];
        }

        return output.AsSpan(0, total).ToArray();
    }
}
