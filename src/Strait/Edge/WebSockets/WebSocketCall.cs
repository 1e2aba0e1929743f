using System.Globalization;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Strait.Buffers;
using Strait.Edge.Rest;
using Strait.Errors;
using Strait.Gateway;
using Strait.Json;
using Strait.Observability;
using Strait.Resilience;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Edge.WebSockets;

/// <summary>
/// A streaming method over a WebSocket: one JSON message per text frame each way. Client frames become request
/// messages (with the route's path and query values merged into each); a server-streaming method whose route has no
/// body sends its request from the bindings at once. The client's close (1000) half-closes the request stream; the
/// call's status closes the socket: 1000 for OK, else a last text frame <c>{"error": problem}</c> and close code
/// 4000 + the gRPC code (4014 for UNAVAILABLE) with the code's name as the reason. A frame that is not a message
/// closes with 1007 (invalid JSON or fields), 1003 (binary) or 1009 (over <c>streaming.maxMessageSize</c>), and the
/// backend call is cancelled. The upgrade itself went through the same routing, rate limits and header mapping as
/// any REST request, so a refused handshake is an ordinary problem response.
/// </summary>
internal static class WebSocketCall
{
    /// <summary>Close codes 4000–4016 carry a gRPC status (the application range of RFC 6455 §7.4.2).</summary>
    public const int StatusCloseBase = 4000;

    public static async Task<(Problem? Problem, GrpcStatusCode? Status)> RunAsync(RestCall call)
    {
        var context = call.Context;
        var snapshot = call.Snapshot;
        var (slot, refusal) = await call.TakeStreamSlotAsync().ConfigureAwait(false);
        if (slot is null)
        {
            return (refusal, refusal!.GrpcStatus);
        }

        GrpcStatus? status = null;
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = snapshot.WebSocketKeepAlive,
                KeepAliveTimeout = snapshot.WebSocketKeepAlive,
            }).ConfigureAwait(false);
            using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(slot.Token);
            // Cancelling a WebSocket receive aborts the socket, so receives get a token of their own that fires only
            // when the client is gone or has not answered Strait's close in time.
            using var receiveAbort = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var upstream = slot.StartCall(call.GrpcPath, call.Metadata, callCancellation.Token);
            var failure = new FrameFailure();
            var requests = PumpFramesAsync(socket, snapshot, call.Route, upstream, call.Bindings, slot, failure, callCancellation, receiveAbort.Token);
            try
            {
                await PumpRepliesAsync(socket, snapshot, call.Route, upstream, slot, failure, callCancellation.Token).ConfigureAwait(false);
                status = failure.Status ?? slot.Outcome(upstream.GetStatus());
                if (!context.RequestAborted.IsCancellationRequested && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await CloseAsync(socket, snapshot, context, status, failure.CloseCode, call.Identity).ConfigureAwait(false);
                }
            }
            finally
            {
                // The frames side ends with the client's answering close frame, or at the latest here.
                receiveAbort.CancelAfter(StreamSlot.EndingGrace);
                await callCancellation.CancelAsync().ConfigureAwait(false);
                await requests.ConfigureAwait(false);
                await upstream.DisposeAsync().ConfigureAwait(false);
            }

            return (null, status.Code);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            status ??= new GrpcStatus(GrpcStatusCode.Cancelled, "The client went away.", origin: StatusOrigin.Local);
            return (null, status.Code);
        }
        finally
        {
            slot.Finish(status);
        }
    }

    /// <summary>Client frames → request messages, until the client closes or a frame is not a message.</summary>
    private static async Task PumpFramesAsync(
        WebSocket socket,
        GatewaySnapshot snapshot,
        HttpRoute route,
        GrpcCall call,
        MessageBindings? bindings,
        StreamSlot slot,
        FrameFailure failure,
        CancellationTokenSource callCancellation,
        CancellationToken receiveAbort)
    {
        await Task.Yield();
        var ct = callCancellation.Token;
        var oneRequest = !route.Method.IsClientStreaming;
        using var frame = new PooledBufferWriter(1024);
        using var message = new PooledBufferWriter(256);
        try
        {
            if (oneRequest && route.Body is null)
            {
                // Everything is in the path and query: the request goes out now, and client frames are not expected.
                RequestMessageBuilder.WriteBindings(bindings, message);
                if (await call.WriteMessageAsync(message.WrittenMemory, ct).ConfigureAwait(false))
                {
                    await call.CompleteRequestAsync().ConfigureAwait(false);
                }
            }

            var count = 0;
            while (true)
            {
                frame.Reset();
                var type = await ReceiveFrameAsync(socket, frame, snapshot.MaxStreamMessageSize, receiveAbort).ConfigureAwait(false);
                if (type is null)
                {
                    failure.Fail(WebSocketCloseStatus.MessageTooBig, GrpcStatusCode.ResourceExhausted, FormattableString.Invariant($"A frame exceeds the limit of {snapshot.MaxStreamMessageSize} bytes."));
                    break;
                }

                if (type == WebSocketMessageType.Close)
                {
                    if (socket.CloseStatus == WebSocketCloseStatus.NormalClosure)
                    {
                        await call.CompleteRequestAsync().ConfigureAwait(false);
                    }
                    else
                    {
                        failure.Fail(null, GrpcStatusCode.Cancelled, $"The client closed the socket with {(int?)socket.CloseStatus} {socket.CloseStatusDescription}.");
                        break;
                    }

                    return;
                }

                if (type == WebSocketMessageType.Binary)
                {
                    failure.Fail(WebSocketCloseStatus.InvalidMessageType, GrpcStatusCode.InvalidArgument, "Frames carry JSON messages as text; a binary frame was sent.");
                    break;
                }

                count++;
                if (oneRequest && (route.Body is null || count > 1))
                {
                    failure.Fail(WebSocketCloseStatus.PolicyViolation, GrpcStatusCode.InvalidArgument, "This method takes one request message; further frames were sent.");
                    break;
                }

                message.Reset();
                try
                {
                    RequestMessageBuilder.Write(snapshot, route, frame.WrittenSpan, bindings, message);
                }
                catch (ProtoJsonException e)
                {
                    failure.Fail(WebSocketCloseStatus.InvalidPayloadData, GrpcStatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"Frame {count} is not a valid message: {e.Message}"));
                    break;
                }

                slot.Touch();
                if (!await call.WriteMessageAsync(message.WrittenMemory, ct).ConfigureAwait(false))
                {
                    // The call is over; keep reading until the client answers the close that follows.
                    continue;
                }

                if (oneRequest)
                {
                    await call.CompleteRequestAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The call ended (the replies side reports its status), or the connection broke (RequestAborted says so).
            return;
        }

        await callCancellation.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Upstream replies → text frames; each send completes before the next reply is read (backpressure).</summary>
    private static async Task PumpRepliesAsync(WebSocket socket, GatewaySnapshot snapshot, HttpRoute route, GrpcCall call, StreamSlot slot, FrameFailure failure, CancellationToken ct)
    {
        using var json = new PooledBufferWriter(256);
        while (await call.MoveNextAsync().ConfigureAwait(false))
        {
            slot.Touch();
            json.Reset();
            try
            {
                ResponseWriter.Write(snapshot, route, call.Current.Span, json);
            }
            catch (ProtobufFormatException)
            {
                failure.Fail(WebSocketCloseStatus.InternalServerError, GrpcStatusCode.Internal, "malformed response message");
                return;
            }

            await socket.SendAsync(json.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
        }
    }

    /// <returns>The frame's type once it is whole in <paramref name="frame"/>; null when it outgrows the limit.</returns>
    private static async Task<WebSocketMessageType?> ReceiveFrameAsync(WebSocket socket, PooledBufferWriter frame, int limit, CancellationToken ct)
    {
        while (true)
        {
            var result = await socket.ReceiveAsync(frame.GetMemory(4096), ct).ConfigureAwait(false);
            frame.Advance(result.Count);
            if (frame.WrittenCount > limit)
            {
                return null;
            }

            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return result.MessageType;
            }
        }
    }

    private static async Task CloseAsync(WebSocket socket, GatewaySnapshot snapshot, HttpContext context, GrpcStatus status, WebSocketCloseStatus? frameClose, RequestIdentity identity)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(StreamSlot.EndingGrace);
        if (status.Code == GrpcStatusCode.Ok)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "OK", timeout.Token).ConfigureAwait(false);
            return;
        }

        using var buffer = new PooledBufferWriter(512);
        ServerStreamingCall.WriteProblem(buffer, context, snapshot, Problems.FromStatus(status), identity, wrapped: true);
        await socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
        var code = frameClose ?? (WebSocketCloseStatus)(StatusCloseBase + (int)status.Code);
        await socket.CloseOutputAsync(code, status.Code.ToCanonicalName(), timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Why the frames side ended the call, when it did: the status to report and the close code to send.</summary>
    private sealed class FrameFailure
    {
        public GrpcStatus? Status { get; private set; }

        public WebSocketCloseStatus? CloseCode { get; private set; }

        public void Fail(WebSocketCloseStatus? close, GrpcStatusCode code, string message)
        {
            Status ??= new GrpcStatus(code, message, origin: StatusOrigin.Edge);
            CloseCode ??= close;
        }
    }
}
