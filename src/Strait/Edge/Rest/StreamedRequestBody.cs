using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Strait.Buffers;
using Strait.Errors;
using Strait.Json;
using Strait.Resilience;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// The request body of a client-streaming or bidirectional REST call, sent upstream message by message as it arrives,
/// so it is never read whole: a line of <c>application/x-ndjson</c>, or with <c>application/json</c> an element of an
/// array or a value of JSON values one after another (<see cref="JsonMessageSplitter"/>). The route's path and query
/// values are merged into every message; <c>limits.maxRequestBodySize</c> applies to each message, not to the body.
/// </summary>
internal static class StreamedRequestBody
{
    public const string NdJson = "application/x-ndjson";

    public static bool IsNdJson(string? contentType) => MediaType.Is(contentType, NdJson);

    /// <summary>
    /// Sends each message of the body; stops early when the upstream call has ended. A read waiting for bytes throws
    /// once <paramref name="callEnded"/> fires (deadline, idle stream, client gone, the call over), and gives up with a
    /// 408 problem after <c>streaming.requestBodyIdleTimeout</c>; time spent passing messages upstream does not count as
    /// idle. The response is left alone: in a bidirectional call it is another task's.
    /// </summary>
    /// <returns>The problem that makes the body unusable (the caller cancels the call), or null once it was sent (or the call ended).</returns>
    public static async Task<Problem?> SendAsync(RestCall call, GrpcCall upstream, StreamSlot slot, CancellationToken callEnded)
    {
        var context = call.Context;
        var snapshot = call.Snapshot;
        // Kestrel's minimum data rate is lifted for a body that may be slow by design; the idle timeout and the
        // deadline take its place.
        StreamingBodyLimits.Lift(context);
        var idle = snapshot.StreamLimits.RequestBodyIdleTimeout;
        using var timeout = new BodyReadTimeout(callEnded, idle);
        var reader = context.Request.BodyReader;
        var limit = snapshot.MaxRequestBodySize;
        var json = IsNdJson(context.Request.ContentType) ? null : new JsonMessageSplitter();
        var count = 0;
        long scanned = 0;
        using var message = new PooledBufferWriter(256);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(timeout.Start()).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!callEnded.IsCancellationRequested)
            {
                return Problems.RequestBodyIdle(idle);
            }

            timeout.Stop();
            var buffer = result.Buffer;
            while (true)
            {
                ReadOnlySequence<byte> text;
                if (json is not null)
                {
                    if (json.TryTake(ref buffer, result.IsCompleted, out text, out var syntaxError) is not true)
                    {
                        if (syntaxError is not null)
                        {
                            reader.AdvanceTo(buffer.Start);
                            return Problems.InvalidRequest(json.IsArray
                                ? "The request body is not a JSON array of messages: " + syntaxError
                                : string.Create(CultureInfo.InvariantCulture, $"Message {count + 1} of the request body is not valid JSON: {syntaxError}"));
                        }

                        break;
                    }
                }
                else if (!TryTakeLine(ref buffer, result.IsCompleted, ref scanned, out text))
                {
                    break;
                }

                count++;
                if (text.Length > limit)
                {
                    reader.AdvanceTo(buffer.Start);
                    return Problems.PayloadTooLarge(limit);
                }

                var span = text.IsSingleSegment ? text.FirstSpan : text.ToArray();
                if (json is null)
                {
                    span = TrimLine(span);
                    if (span.IsEmpty)
                    {
                        continue;
                    }
                }

                message.Reset();
                try
                {
                    RequestMessageBuilder.Write(snapshot, call.Route, span, call.Bindings, message);
                }
                catch (ProtoJsonException e)
                {
                    reader.AdvanceTo(buffer.Start);
                    return Invalid(json, count, e);
                }

                slot.Touch();
                if (!await upstream.WriteMessageAsync(message.WrittenMemory, context.RequestAborted).ConfigureAwait(false))
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

            var trailing = json?.TrailingError(buffer);
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (trailing is not null)
            {
                return Problems.InvalidRequest("The request body is not a JSON array of messages: " + trailing);
            }

            if (result.IsCompleted)
            {
                return json?.EndError() is { } unfinished ? Problems.InvalidRequest("The request body is not a JSON array of messages: " + unfinished) : null;
            }
        }
    }

    /// <summary>The problem for message <paramref name="count"/>, named as the body's form counts it.</summary>
    private static Problem Invalid(JsonMessageSplitter? json, int count, ProtoJsonException e)
    {
        var (what, field) = json switch
        {
            null => ("Line", string.Create(CultureInfo.InvariantCulture, $"line {count}: {e.JsonPath}")),
            { IsArray: true } => ("Element", string.Create(CultureInfo.InvariantCulture, $"$[{count - 1}]{e.JsonPath[1..]}")),
            _ => ("Message", string.Create(CultureInfo.InvariantCulture, $"message {count}: {e.JsonPath}")),
        };
        return Problems.InvalidRequest(string.Create(CultureInfo.InvariantCulture, $"{what} {count} of the request body is invalid: {e.Message}"), field, e.Message);
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
}
