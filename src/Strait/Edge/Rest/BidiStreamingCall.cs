using Strait.Errors;
using Strait.Resilience;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// A REST call to a bidirectional method, full duplex: the body's messages go upstream as they arrive
/// (<see cref="StreamedRequestBody"/>) while the replies come back as they arrive, as NDJSON lines or Server-Sent
/// Events (<see cref="ServerStreamingCall"/>'s framing). The response starts as soon as the backend's response headers
/// do, so a client that reads while it sends sees each reply before it sends the next message. A failure before then
/// is an ordinary problem response; after it, the stream's last line or event, whether the backend failed or the body
/// did (an invalid message, a silent body: <c>INVALID_ARGUMENT</c>). Either side ending early cancels the call.
/// </summary>
internal static class BidiStreamingCall
{
    /// <returns>A problem to answer when the stream has not started; null once it was written; and the call's final status.</returns>
    public static async Task<(Problem? Problem, GrpcStatusCode? Status)> RunAsync(RestCall call)
    {
        var (slot, refusal) = await call.TakeStreamSlotAsync().ConfigureAwait(false);
        if (slot is null)
        {
            return (refusal, refusal!.GrpcStatus);
        }

        GrpcStatus? status = null;
        try
        {
            using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(slot.Token);
            var upstream = slot.StartCall(call.GrpcPath, call.Metadata, callCancellation.Token);
            var body = new BodyOutcome();
            var requests = PumpRequestsAsync(call, upstream, slot, body, callCancellation);
            try
            {
                var (problem, outcome) = await AnswerAsync(call, upstream, slot, body).ConfigureAwait(false);
                status = outcome;
                return (problem, body.Problem?.GrpcStatus ?? outcome.Code);
            }
            finally
            {
                // Whichever side ends first ends the other: the body is read no further once the replies are over.
                await callCancellation.CancelAsync().ConfigureAwait(false);
                await requests.ConfigureAwait(false);
                await upstream.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && slot.Token.IsCancellationRequested)
        {
            status = ServerStreamingCall.CutOff(call.Context, slot);
            return (null, status.Code);
        }
        finally
        {
            slot.Finish(status);
        }
    }

    /// <summary>Body → request messages, then the half-close. A body that cannot be used cancels the call and says why in <paramref name="body"/>.</summary>
    private static async Task PumpRequestsAsync(RestCall call, GrpcCall upstream, StreamSlot slot, BodyOutcome body, CancellationTokenSource callCancellation)
    {
        await Task.Yield();
        var callEnded = callCancellation.Token;
        Problem? problem;
        try
        {
            problem = await StreamedRequestBody.SendAsync(call, upstream, slot, callEnded).ConfigureAwait(false);
            if (problem is null)
            {
                await upstream.CompleteRequestAsync().ConfigureAwait(false);
                return;
            }
        }
        catch (OperationCanceledException) when (callEnded.IsCancellationRequested)
        {
            // The call is over (its end, the deadline, the client gone): the replies side reports it.
            return;
        }
        catch (ClientBodyException e) when (!ClientRequestBody.ClientIsGone(call.Context, e))
        {
            // Bad chunk framing and the like: the client's fault, reported as any unusable body is.
            problem = Problems.UnreadableBody(e.StatusCode);
        }
        catch (ClientBodyException)
        {
            // The client reset the connection: nobody is left to answer, and RequestAborted ends the call.
            return;
        }

        body.Problem = problem;
        // The backend must not act on the messages it already has as if the stream were whole.
        await callCancellation.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>The response: upstream replies as NDJSON lines or SSE events, or a whole answer when the stream never started.</summary>
    private static async Task<(Problem? Problem, GrpcStatus Status)> AnswerAsync(RestCall call, GrpcCall upstream, StreamSlot slot, BodyOutcome body)
    {
        var context = call.Context;
        var events = ServerStreamingCall.AcceptsEventStream(context.Request.Headers.Accept);

        // The stream starts with the backend's response headers: a full-duplex client sees it begin (and each reply
        // as it comes) while it is still sending. The headers also complete when the call ends without them, so a
        // body refused before then is still an ordinary problem response.
        var responseHeaders = await upstream.ResponseHeadersAsync.ConfigureAwait(false);
        var started = upstream.HasResponseStream && body.Problem is null;
        GrpcStatus? malformed = null;
        if (started)
        {
            ServerStreamingCall.Start(call, events, responseHeaders);
            await context.Response.Body.FlushAsync(slot.Token).ConfigureAwait(false);
            (_, malformed) = await ServerStreamingCall.PumpRepliesAsync(call, upstream, slot, events, started).ConfigureAwait(false);
        }

        // A refused body cancelled the call; the call's own status is then a cancellation, and the body's problem the answer.
        var refused = body.Problem;
        var status = refused is not null
            ? new GrpcStatus(GrpcStatusCode.Cancelled, "The request body was refused.", origin: StatusOrigin.Local)
            : malformed ?? slot.Outcome(upstream.GetStatus());
        if (!started)
        {
            // Nothing was sent: the answer is a whole response, as for a unary call.
            if (await ResponseWriter.WriteWholeAsync(call, status, responseHeaders, upstream.Trailers, ReplyBody.EmptyStream(events)).ConfigureAwait(false) is not { } problem)
            {
                return (null, status);
            }

            // The body may still be arriving, and an HTTP/1.1 body that may never end cannot be drained.
            ClientStreamingCall.CloseAfterAnswer(context);
            return (refused ?? problem, status);
        }

        var failure = refused ?? (status.Code == GrpcStatusCode.Ok ? null : Problems.FromStatus(status));
        await ServerStreamingCall.EndAsync(call, upstream, events, failure, mapTrailers: refused is null && malformed is null).ConfigureAwait(false);
        return (null, status);
    }

    /// <summary>Why the body ended the call, when it did; written by the body's task before it cancels the call.</summary>
    private sealed class BodyOutcome
    {
        private Problem? problem;

        public Problem? Problem
        {
            get => Volatile.Read(ref problem);
            set => Volatile.Write(ref problem, value);
        }
    }
}
