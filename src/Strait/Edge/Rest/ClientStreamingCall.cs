using Microsoft.AspNetCore.Http;
using Strait.Buffers;
using Strait.Errors;
using Strait.Json;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// A REST call to a client-streaming method: the body's messages (<see cref="StreamedRequestBody"/>: NDJSON lines, a
/// JSON array's elements, or JSON values one after another) are sent upstream as they arrive, so the body is never read
/// whole. The reply is one JSON document, as for a unary call. A message that is not valid cancels the upstream call
/// and answers 400 naming it. The body's reads end with the call (504 at its deadline) and after
/// <c>streaming.requestBodyIdleTimeout</c> without a byte (408).
/// </summary>
internal static class ClientStreamingCall
{
    /// <returns>A problem to answer, or null once the reply was written; and the call's final status.</returns>
    public static async Task<(Problem? Problem, GrpcStatusCode? Status)> RunAsync(RestCall call)
    {
        var context = call.Context;
        var ct = call.RequestAborted;
        var (slot, refusal) = await call.TakeStreamSlotAsync().ConfigureAwait(false);
        if (slot is null)
        {
            return (refusal, refusal!.GrpcStatus);
        }

        GrpcStatus? status = null;
        try
        {
            await using var upstream = slot.StartCall(call.GrpcPath, call.Metadata, slot.Token);
            Problem? problem;
            try
            {
                problem = await StreamedRequestBody.SendAsync(call, upstream, slot, slot.Token).ConfigureAwait(false);
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
                if (problem.Status == StatusCodes.Status408RequestTimeout)
                {
                    // The body went silent part-way and may never end.
                    CloseAfterAnswer(context);
                }

                // The request is broken: the backend must not act on the messages it already has.
                status = new GrpcStatus(GrpcStatusCode.Cancelled, "The request body was refused.", origin: StatusOrigin.Local);
                return (problem, problem.GrpcStatus);
            }

            await upstream.CompleteRequestAsync().ConfigureAwait(false);
            var hasReply = await upstream.MoveNextAsync().ConfigureAwait(false);
            using var json = new PooledBufferWriter(256);
            if (hasReply)
            {
                // Transcoded now: the message is valid only until the call reads on.
                try
                {
                    ResponseWriter.Write(call.Snapshot, call.Route, upstream.Current.Span, json);
                }
                catch (ProtobufFormatException)
                {
                    status = new GrpcStatus(GrpcStatusCode.Internal, "malformed response message", origin: StatusOrigin.Protocol);
                    return (Problems.FromStatus(status), status.Code);
                }
            }

            while (await upstream.MoveNextAsync().ConfigureAwait(false))
            {
                // A second reply breaks the client-streaming contract; reading on lets the call end with its status.
                hasReply = false;
            }

            status = slot.Outcome(upstream.GetStatus());
            if (status.Code == GrpcStatusCode.Ok && !hasReply)
            {
                status = new GrpcStatus(GrpcStatusCode.Internal, "upstream sent other than one reply to a client-streaming call", origin: StatusOrigin.Protocol);
            }

            // The reply is complete before its status line, so it is answered as a unary reply is.
            var answer = await ResponseWriter.WriteWholeAsync(
                call, status, await upstream.ResponseHeadersAsync.ConfigureAwait(false), upstream.Trailers, ReplyBody.Json(json.WrittenMemory)).ConfigureAwait(false);
            return (answer, status.Code);
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
    /// An HTTP/1.1 body left unfinished cannot be drained (it may never end), so the connection closes after the
    /// answer; HTTP/2 resets just the request stream.
    /// </summary>
    internal static void CloseAfterAnswer(HttpContext context)
    {
        if (!HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }
    }
}
