using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Errors;
using Strait.Headers;
using Strait.Hosting;
using Strait.Json;
using Strait.Resilience;
using Strait.Routing;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// A REST call to a client-streaming method with a newline-delimited JSON body (<c>application/x-ndjson</c>) or a JSON
/// array body: each line or element becomes one request message, sent upstream as soon as it has arrived, so the body
/// is never read whole. The
/// route's path and query bindings are added to every message. The reply is one JSON document, as for a unary call.
/// A line that is not a valid message cancels the upstream call and answers 400 naming the line. The body's reads end
/// with the call (504 at its deadline) and after <c>streaming.requestBodyIdleTimeout</c> without a byte (408).
/// </summary>
internal static class ClientStreamingCall
{
    public const string NdJson = "application/x-ndjson";

    public static bool IsNdJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals(NdJson, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether a JSON body is an array (its first non-blank byte is <c>[</c>), read without consuming anything.</summary>
    public static async ValueTask<bool> StartsWithArrayAsync(HttpRequest request)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            var buffer = result.Buffer;
            foreach (var segment in buffer)
            {
                foreach (var b in segment.Span)
                {
                    if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                    {
                        reader.AdvanceTo(buffer.Start);
                        return b == (byte)'[';
                    }
                }
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return false;
            }
        }
    }

    /// <param name="bindings">Path and query values, merged into every message.</param>
    /// <returns>A problem to answer, or null once the reply was written; and the call's final status.</returns>
    public static async Task<(Problem? Problem, GrpcStatusCode? Status)> RunAsync(
        HttpContext context,
        GatewaySnapshot snapshot,
        RequestTarget target,
        HttpRoute route,
        UpstreamCluster cluster,
        MessageBindings? bindings,
        GrpcMetadata metadata,
        DateTime deadlineUtc,
        ILogger logger)
    {
        var ct = context.RequestAborted;
        var (slot, refusal) = await StreamSlot.TryTakeAsync(context, cluster, metadata, deadlineUtc, snapshot.StreamLimits).ConfigureAwait(false);
        if (slot is null)
        {
            return (refusal, GrpcStatusCode.Unavailable);
        }

        GrpcStatus? status = null;
        try
        {
            await using var call = slot.StartCall(snapshot.GrpcPathOf(route.Method), metadata, slot.Token);
            Problem? problem;
            try
            {
                problem = await SendLinesAsync(context, snapshot, route, call, bindings, slot).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (slot.Token.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // The deadline (or streaming.idleTimeout) ended the call while the body was still arriving.
                status = slot.Expired ?? new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.", origin: StatusOrigin.Local);
                CloseAfterAnswer(context);
                return (Problems.FromStatus(status), status.Code);
            }

            if (problem is not null)
            {
                // The request is broken: the backend must not act on the messages it already has.
                status = new GrpcStatus(GrpcStatusCode.Cancelled, "The request body was refused.", origin: StatusOrigin.Local);
                return (problem, problem.GrpcStatus);
            }

            await call.CompleteRequestAsync().ConfigureAwait(false);
            var hasReply = await call.MoveNextAsync().ConfigureAwait(false);
            using var json = new PooledBufferWriter(256);
            if (hasReply)
            {
                try
                {
                    ResponseWriter.Write(snapshot, route, call.Current.Span, json);
                }
                catch (ProtobufFormatException)
                {
                    status = new GrpcStatus(GrpcStatusCode.Internal, "malformed response message", origin: StatusOrigin.Protocol);
                    return (Problems.FromStatus(status), status.Code);
                }
            }

            while (await call.MoveNextAsync().ConfigureAwait(false))
            {
                // A second reply breaks the client-streaming contract; reading on lets the call end with its status.
                hasReply = false;
            }

            status = slot.Outcome(call.GetStatus());
            if (status.Code == GrpcStatusCode.Ok && !hasReply)
            {
                status = new GrpcStatus(GrpcStatusCode.Internal, "upstream sent other than one reply to a client-streaming call", origin: StatusOrigin.Protocol);
            }

            // The reply is complete before its status line, so its metadata map as a unary reply's do.
            var succeeded = status.Code == GrpcStatusCode.Ok;
            var mappingProblem = OutgoingHeaderMapper.Apply(
                context, target.Path, route, snapshot.Headers, await call.ResponseHeadersAsync.ConfigureAwait(false), call.Trailers, succeeded, logger, out var successStatus);
            if (!succeeded || mappingProblem is not null)
            {
                return (ct.IsCancellationRequested ? null : mappingProblem ?? Problems.FromStatus(status), status.Code);
            }

            if (successStatus == StatusCodes.Status204NoContent)
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return (null, GrpcStatusCode.Ok);
            }

            context.Response.StatusCode = successStatus ?? StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = json.WrittenCount;
            await context.Response.Body.WriteAsync(json.WrittenMemory, ct).ConfigureAwait(false);
            return (null, GrpcStatusCode.Ok);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && ct.IsCancellationRequested)
        {
            status = new GrpcStatus(GrpcStatusCode.Cancelled, "The client went away.", origin: StatusOrigin.Local);
            return (null, GrpcStatusCode.Cancelled);
        }
        finally
        {
            slot.Finish(status);
        }
    }

    /// <summary>
    /// Sends each complete line of the body as a message; stops early when the upstream call has ended. A read waiting
    /// for bytes throws once the call is over (the slot's token: deadline, idle stream, client gone), and gives up with a
    /// 408 problem after the idle timeout; time spent passing messages upstream does not count as idle.
    /// </summary>
    private static async Task<Problem?> SendLinesAsync(HttpContext context, GatewaySnapshot snapshot, HttpRoute route, GrpcCall call, MessageBindings? bindings, StreamSlot slot)
    {
        // Kestrel's minimum data rate is lifted for a body that may be slow by design; the idle timeout and the
        // deadline take its place.
        StreamingBodyLimits.Lift(context);
        var idle = snapshot.StreamLimits.RequestBodyIdleTimeout;
        using var timeout = new BodyReadTimeout(slot.Token, idle);
        var reader = context.Request.BodyReader;
        var limit = snapshot.MaxRequestBodySize;
        var array = !IsNdJson(context.Request.ContentType);
        var elements = new ArrayElements();
        var what = array ? "Element" : "Line";
        var line = 0;
        long scanned = 0;
        using var message = new PooledBufferWriter(256);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(timeout.Start()).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!slot.Token.IsCancellationRequested)
            {
                CloseAfterAnswer(context);
                return Problems.RequestBodyIdle(idle);
            }

            timeout.Stop();
            var buffer = result.Buffer;
            while (true)
            {
                ReadOnlySequence<byte> text;
                if (array)
                {
                    if (elements.TryTake(ref buffer, result.IsCompleted, out text, out var arrayError) is not true)
                    {
                        if (arrayError is not null)
                        {
                            reader.AdvanceTo(buffer.Start);
                            return Problems.InvalidRequest(string.Create(CultureInfo.InvariantCulture, $"The request body is not a JSON array of messages: {arrayError}"));
                        }

                        break;
                    }
                }
                else if (!TryTakeLine(ref buffer, result.IsCompleted, ref scanned, out text))
                {
                    break;
                }

                line++;
                if (text.Length > limit)
                {
                    reader.AdvanceTo(buffer.Start);
                    return Problems.PayloadTooLarge(limit);
                }

                var span = TrimLine(text.IsSingleSegment ? text.FirstSpan : text.ToArray());
                if (span.IsEmpty)
                {
                    continue;
                }

                message.Reset();
                try
                {
                    RequestMessageBuilder.Write(snapshot, route, span, bindings, message);
                }
                catch (ProtoJsonException e)
                {
                    reader.AdvanceTo(buffer.Start);
                    var field = array
                        ? string.Create(CultureInfo.InvariantCulture, $"$[{line - 1}]{e.JsonPath[1..]}")
                        : string.Create(CultureInfo.InvariantCulture, $"line {line}: {e.JsonPath}");
                    return Problems.InvalidRequest(string.Create(CultureInfo.InvariantCulture, $"{what} {line} of the request body is invalid: {e.Message}"), field, e.Message);
                }

                slot.Touch();
                if (!await call.WriteMessageAsync(message.WrittenMemory, context.RequestAborted).ConfigureAwait(false))
                {
                    // The call is over (the backend answered or failed early): its status is the answer.
                    reader.AdvanceTo(buffer.Start);
                    return null;
                }
            }

            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.Start);
                return Problems.PayloadTooLarge(limit);
            }

            var trailing = array && elements.Ended && !IsBlank(buffer);
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (trailing)
            {
                return Problems.InvalidRequest("The request body is not a JSON array of messages: something follows the array.");
            }

            if (result.IsCompleted)
            {
                return array && !elements.Ended ? Problems.InvalidRequest("The request body is not a JSON array of messages: it ends before the array does.") : null;
            }
        }
    }

    /// <summary>
    /// An HTTP/1.1 body left unfinished cannot be drained (it may never end), so the connection closes after the
    /// answer; HTTP/2 resets just the request stream.
    /// </summary>
    private static void CloseAfterAnswer(HttpContext context)
    {
        if (!HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> rest)
    {
        foreach (var segment in rest)
        {
            if (segment.Span.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Cancels a body read that waits longer than the idle timeout for bytes, and every read once the call has ended.
    /// Only the time spent waiting counts, not the time spent passing messages upstream.
    /// </summary>
    private sealed class BodyReadTimeout(CancellationToken callEnded, TimeSpan idle) : IDisposable
    {
        private CancellationTokenSource source = CancellationTokenSource.CreateLinkedTokenSource(callEnded);

        public CancellationToken Start()
        {
            source.CancelAfter(idle);
            return source.Token;
        }

        public void Stop()
        {
            if (!source.TryReset())
            {
                // The timer fired just as the bytes arrived (or the call ended): the next read gets a fresh source,
                // which is cancelled at once if the call is over.
                source.Dispose();
                source = CancellationTokenSource.CreateLinkedTokenSource(callEnded);
            }
        }

        public void Dispose() => source.Dispose();
    }

    /// <summary>
    /// Cuts a JSON array into its elements as they arrive. The reader's state is kept between reads, also inside an
    /// element that is still arriving, so an element's bytes are parsed once however finely the body is split (only
    /// the separators between two elements may be read again), and an element is taken as soon as it is complete.
    /// </summary>
    private sealed class ArrayElements
    {
        // Between elements: the state after the last complete one (or the opening bracket).
        private JsonReaderState state;

        // Inside an element that is still arriving: the state after its last complete token, and how many bytes from
        // the element's first byte (where the buffer is left) that token ends.
        private JsonReaderState elementState;
        private long parsed;
        private bool started;
        private bool inElement;

        public bool Ended { get; private set; }

        /// <returns>True with an element; false when more data is needed (or the array ended); null with an error.</returns>
        public bool? TryTake(ref ReadOnlySequence<byte> buffer, bool completed, out ReadOnlySequence<byte> element, out string? error)
        {
            element = default;
            error = null;
            if (Ended)
            {
                return false;
            }

            try
            {
                if (!inElement && !TryBeginElement(ref buffer, completed, out error))
                {
                    return error is null ? false : null;
                }

                var reader = new Utf8JsonReader(buffer.Slice(parsed), completed, elementState);
                while (reader.Read())
                {
                    // The element is an object directly inside the array: it ends with the EndObject at depth 1.
                    if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 1)
                    {
                        var length = parsed + reader.BytesConsumed;
                        element = buffer.Slice(0, length);
                        buffer = buffer.Slice(length);
                        state = reader.CurrentState;
                        inElement = false;
                        return true;
                    }
                }

                parsed += reader.BytesConsumed;
                elementState = reader.CurrentState;
                return false;
            }
            catch (JsonException e)
            {
                error = JsonSyntaxError.Describe(e);
                return null;
            }
        }

        /// <summary>Reads up to the next element's opening brace and leaves the buffer there; false when more data is needed, the array ended, or (with an error) the body is not an array of objects.</summary>
        private bool TryBeginElement(ref ReadOnlySequence<byte> buffer, bool completed, out string? error)
        {
            error = null;
            var reader = new Utf8JsonReader(buffer, completed, state);
            if (!started)
            {
                if (!reader.Read())
                {
                    return false;
                }

                started = true;
                buffer = buffer.Slice(reader.Position);
                state = reader.CurrentState;
                reader = new Utf8JsonReader(buffer, completed, state);
            }

            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                Ended = true;
                buffer = buffer.Slice(reader.Position);
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                error = $"an element is {reader.TokenType}, not an object";
                return false;
            }

            buffer = buffer.Slice(reader.TokenStartIndex);
            parsed = reader.BytesConsumed - reader.TokenStartIndex;
            elementState = reader.CurrentState;
            inElement = true;
            return true;
        }
    }

    /// <summary>The next line (without its newline); at the end of the body, what is left as the last line.</summary>
    /// <param name="scanned">How much of the buffer is known to hold no newline, so a line arriving in many reads is scanned once.</param>
    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, bool completed, ref long scanned, out ReadOnlySequence<byte> line)
    {
        if (buffer.Slice(scanned).PositionOf((byte)'\n') is { } end)
        {
            line = buffer.Slice(0, end);
            buffer = buffer.Slice(buffer.GetPosition(1, end));
            scanned = 0;
            return true;
        }

        if (completed && !buffer.IsEmpty)
        {
            line = buffer;
            buffer = buffer.Slice(buffer.End);
            scanned = 0;
            return true;
        }

        scanned = buffer.Length;
        line = default;
        return false;
    }

    private static ReadOnlySpan<byte> TrimLine(ReadOnlySpan<byte> line)
    {
        var start = 0;
        var end = line.Length;
        while (start < end && line[start] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            start++;
        }

        while (end > start && line[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            end--;
        }

        return line[start..end];
    }
}
