using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Strait.Buffers;
using Strait.Errors;
using Strait.Gateway;
using Strait.Headers;
using Strait.Json;
using Strait.Observability;
using Strait.Resilience;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// A REST call to a server-streaming method: each upstream message is transcoded and written as it arrives, as a line
/// of newline-delimited JSON (<c>application/x-ndjson</c>) or, when the client accepts <c>text/event-stream</c>, as a
/// Server-Sent Event (<c>id</c>, <c>event: message</c>, <c>data</c>), flushed at once. The next message is read only
/// after the previous one was written, so a slow client slows the backend through HTTP/2 flow control instead of
/// filling a buffer. An error before the first message is an ordinary problem response; after it the status line is
/// sent, so the error is the stream's last line (<c>{"error": problem}</c>) or event (<c>event: error</c>). With
/// <c>streaming.envelope: result</c> lines are grpc-gateway's <c>{"result": message}</c>.
/// </summary>
internal static class ServerStreamingCall
{
    public const string EventStream = "text/event-stream";
    public const string NdJson = "application/x-ndjson";
    private const string LastEventIdHeader = "Last-Event-ID";
    private const string LastEventIdMetadata = "last-event-id";
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\n"u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] ErrorEvent = "event: error\ndata: "u8.ToArray();
    private static readonly byte[] EventOpen = "id: "u8.ToArray();
    private static readonly byte[] EventData = "\nevent: message\ndata: "u8.ToArray();
    private static readonly byte[] ResultOpen = "{\"result\":"u8.ToArray();
    private static readonly byte[] ResultClose = "}\n"u8.ToArray();

    /// <returns>A problem to answer when nothing was streamed yet; null once the stream was written, with its final status.</returns>
    public static async Task<(Problem? Problem, GrpcStatusCode? Status)> RunAsync(RestCall call)
    {
        var context = call.Context;
        var metadata = call.Metadata;
        var events = AcceptsEventStream(context.Request.Headers.Accept);
        if (events && context.Request.Headers.TryGetValue(LastEventIdHeader, out var lastEventId) && lastEventId.Count == 1
            && lastEventId[0] is { Length: > 0 } last && GrpcMetadata.IsValidTextValue(last) && !metadata.ContainsKey(LastEventIdMetadata))
        {
            // A reconnecting EventSource sends the last id it saw; the backend decides where to resume.
            metadata.Add(LastEventIdMetadata, last);
        }

        var (slot, refusal) = await call.TakeStreamSlotAsync().ConfigureAwait(false);
        if (slot is null)
        {
            return (refusal, refusal!.GrpcStatus);
        }

        GrpcStatus? status = null;
        try
        {
            await using var upstream = slot.StartCall(call.GrpcPath, metadata, slot.Token);
            if (await upstream.WriteMessageAsync(call.Request, call.RequestAborted).ConfigureAwait(false))
            {
                await upstream.CompleteRequestAsync().ConfigureAwait(false);
            }

            // The stream starts with its first message, so a call that ends before one is still a whole answer.
            var (sent, malformed) = await PumpRepliesAsync(call, upstream, slot, events, started: false).ConfigureAwait(false);
            status = malformed ?? slot.Outcome(upstream.GetStatus());
            if (sent == 0)
            {
                var problem = await ResponseWriter.WriteWholeAsync(
                    call, status, await upstream.ResponseHeadersAsync.ConfigureAwait(false), upstream.Trailers, ReplyBody.EmptyStream(events)).ConfigureAwait(false);
                return (problem, status.Code);
            }

            // A stream cut short here (a malformed message) is not completed, so it has no trailers to map.
            await EndAsync(call, upstream, events, status.Code == GrpcStatusCode.Ok ? null : Problems.FromStatus(status), mapTrailers: true).ConfigureAwait(false);
            return (null, status.Code);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && slot.Token.IsCancellationRequested)
        {
            status = CutOff(context, slot);
            return (null, status.Code);
        }
        finally
        {
            slot.Finish(status);
        }
    }

    /// <summary>
    /// Upstream replies → NDJSON lines or SSE events, each flushed before the next is read (backpressure). A stream not
    /// <paramref name="started"/> yet starts with its first reply.
    /// </summary>
    /// <returns>How many replies were written; and the status that ends the stream when one was malformed.</returns>
    internal static async Task<(int Sent, GrpcStatus? Malformed)> PumpRepliesAsync(RestCall call, GrpcCall upstream, StreamSlot slot, bool events, bool started)
    {
        var context = call.Context;
        var sent = 0;
        using var json = new PooledBufferWriter(256);
        while (await NextAsync(upstream, events, started, call.Snapshot.SseKeepAlive, context).ConfigureAwait(false))
        {
            slot.Touch();
            try
            {
                FrameMessage(json, call.Snapshot, call.Route, upstream.Current.Span, events, sent);
            }
            catch (ProtobufFormatException)
            {
                return (sent, new GrpcStatus(GrpcStatusCode.Internal, "malformed response message", origin: StatusOrigin.Protocol));
            }

            if (!started)
            {
                Start(call, events, await upstream.ResponseHeadersAsync.ConfigureAwait(false));
                started = true;
            }

            await context.Response.Body.WriteAsync(json.WrittenMemory, slot.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(slot.Token).ConfigureAwait(false);
            sent++;
        }

        return (sent, null);
    }

    /// <summary>
    /// The end of a stream that started: <paramref name="failure"/>, if any, as its last line or event, then its
    /// trailers. A stream cut short (<paramref name="mapTrailers"/> false) has none to map, and its trailer defaults do
    /// not apply.
    /// </summary>
    internal static async Task EndAsync(RestCall call, GrpcCall upstream, bool events, Problem? failure, bool mapTrailers)
    {
        var ct = call.RequestAborted;
        if (!ct.IsCancellationRequested && failure is not null)
        {
            await WriteErrorAsync(call.Context, call.Snapshot, events, failure, call.Identity).ConfigureAwait(false);
        }

        if (!ct.IsCancellationRequested && mapTrailers && upstream.IsCompleted)
        {
            OutgoingHeaderMapper.ApplyStreamTrailers(
                call.Context, call.Target.Path, call.Headers, call.Snapshot.Headers, await upstream.ResponseHeadersAsync.ConfigureAwait(false), upstream.Trailers, call.Logger);
        }
    }

    /// <summary>
    /// The status of a stream that its slot cut off (deadline, idle timeout) or whose client went away while the gateway
    /// was writing to it. A client that stopped reading past the deadline or idle timeout cannot be sent an error line,
    /// so its connection is aborted.
    /// </summary>
    internal static GrpcStatus CutOff(HttpContext context, StreamSlot slot)
    {
        if (!context.RequestAborted.IsCancellationRequested)
        {
            var status = slot.Outcome(new GrpcStatus(GrpcStatusCode.Cancelled, "The stream was cut off.", origin: StatusOrigin.Local));
            context.Abort();
            return status;
        }

        return new GrpcStatus(GrpcStatusCode.Cancelled, "The client went away.", origin: StatusOrigin.Local);
    }

    /// <summary>
    /// A problem as a stream's last item: <c>{"error": problem}</c> (<paramref name="wrapped"/>: an NDJSON line, a
    /// WebSocket frame), or the bare problem (an SSE <c>event: error</c>'s data).
    /// </summary>
    internal static void WriteProblem(PooledBufferWriter buffer, HttpContext context, GatewaySnapshot snapshot, Problem problem, RequestIdentity identity, bool wrapped)
    {
        using var writer = new Utf8JsonWriter(buffer, JsonWriting.Options);
        if (wrapped)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("error");
        }

        snapshot.ProblemWriter.WriteBody(writer, problem, ProblemResponseWriter.InstanceOf(context), identity, snapshot.DetailRenderer);
        if (wrapped)
        {
            writer.WriteEndObject();
        }
    }

    /// <summary>Whether <c>Accept</c> names <c>text/event-stream</c>; anything else (or nothing) gets NDJSON.</summary>
    public static bool AcceptsEventStream(Microsoft.Extensions.Primitives.StringValues accept)
    {
        foreach (var value in accept)
        {
            if (value is not null && value.Contains(EventStream, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The next upstream message; while an event stream waits for it, a comment every <paramref name="keepAlive"/> keeps proxies from closing it.</summary>
    internal static async Task<bool> NextAsync(GrpcCall call, bool events, bool started, TimeSpan keepAlive, HttpContext context)
    {
        var next = call.MoveNextAsync();
        if (!events || !started || next.IsCompleted)
        {
            return await next.ConfigureAwait(false);
        }

        var pending = next.AsTask();
        while (true)
        {
            var finished = await Task.WhenAny(pending, Task.Delay(keepAlive, context.RequestAborted)).ConfigureAwait(false);
            if (finished == pending)
            {
                return await pending.ConfigureAwait(false);
            }

            await context.Response.Body.WriteAsync(KeepAlive, context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a stream that has replies to write: its status line and headers, with the reply's header block mapped.</summary>
    internal static void Start(RestCall call, bool events, GrpcMetadata responseHeaders)
    {
        Start(call.Context, events);
        OutgoingHeaderMapper.ApplyStreamHead(call.Context, call.Target.Path, call.Headers, call.Snapshot.Headers, responseHeaders, call.Logger);
    }

    /// <summary>An NDJSON or SSE response's status line, and the headers that keep caches and proxies from holding it back.</summary>
    internal static void Start(HttpContext context, bool events)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = events ? EventStream : NdJson;
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx buffer responses unless told not to; a stream must reach the client as it is written.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>
    /// Frames reply <paramref name="index"/> (counted from 0) as a whole NDJSON line or SSE event in <paramref name="json"/>,
    /// for one write and one flush.
    /// </summary>
    /// <exception cref="ProtobufFormatException">The upstream message is malformed.</exception>
    internal static void FrameMessage(PooledBufferWriter json, GatewaySnapshot snapshot, HttpRoute route, ReadOnlySpan<byte> message, bool events, int index)
    {
        json.Reset();
        OpenMessage(json, events, snapshot.StreamResultEnvelope, index);
        ResponseWriter.Write(snapshot, route, message, json);
        CloseMessage(json, events, snapshot.StreamResultEnvelope);
    }

    private static void OpenMessage(PooledBufferWriter buffer, bool events, bool resultEnvelope, int index)
    {
        if (events)
        {
            buffer.Write(EventOpen);
            Utf8Formatter.TryFormat(index, buffer.GetSpan(11), out var written);
            buffer.Advance(written);
            buffer.Write(EventData);
        }
        else if (resultEnvelope)
        {
            buffer.Write(ResultOpen);
        }
    }

    private static void CloseMessage(PooledBufferWriter buffer, bool events, bool resultEnvelope) =>
        buffer.Write(events ? EventEnd : resultEnvelope ? ResultClose : LineEnd);

    internal static async Task WriteErrorAsync(HttpContext context, GatewaySnapshot snapshot, bool events, Problem problem, RequestIdentity identity)
    {
        using var buffer = new PooledBufferWriter(512);
        WriteProblem(buffer, context, snapshot, problem, identity, wrapped: !events);

        var body = context.Response.Body;
        // A client that stopped reading cannot take the error line; after a while the stream is reset instead.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(StreamSlot.EndingGrace);
        try
        {
            if (events)
            {
                await body.WriteAsync(ErrorEvent, timeout.Token).ConfigureAwait(false);
            }

            await body.WriteAsync(buffer.WrittenMemory, timeout.Token).ConfigureAwait(false);
            await body.WriteAsync(events ? EventEnd : LineEnd, timeout.Token).ConfigureAwait(false);
            await body.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
        }
    }
}
