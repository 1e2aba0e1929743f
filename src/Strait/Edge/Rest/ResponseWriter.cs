using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strait.Buffers;
using Strait.Errors;
using Strait.Gateway;
using Strait.Headers;
using Strait.Json;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Edge.Rest;

/// <summary>
/// Transcodes the reply (the whole message, or only the route's <c>response_body</c> field), and answers a call whose
/// reply is whole before its status line leaves.
/// </summary>
internal static class ResponseWriter
{
    public static void Write(GatewaySnapshot snapshot, HttpRoute route, ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        if (route.ResponseBody is { } field)
        {
            snapshot.Codec.BinaryToJson(message, field, writer, snapshot.WriteOptions);
        }
        else
        {
            snapshot.Codec.BinaryToJson(message, route.Method.OutputType, writer, snapshot.WriteOptions);
        }
    }

    /// <summary>
    /// The answer of a call whose reply is whole before the status line leaves: a unary call, a client stream, and a
    /// server or bidirectional stream that ended before it wrote anything. The reply's metadata map to headers and
    /// trailers with the success-status convention (<c>x-http-code</c>); a failed call, or a strict plan's missing
    /// metadata, is a problem to answer.
    /// </summary>
    /// <returns>The problem to answer; null once the reply was written, or when the client is gone.</returns>
    public static async ValueTask<Problem?> WriteWholeAsync(RestCall call, GrpcStatus status, GrpcMetadata responseHeaders, GrpcMetadata trailers, ReplyBody body)
    {
        var context = call.Context;
        var succeeded = status.Code == GrpcStatusCode.Ok;
        var mappingProblem = OutgoingHeaderMapper.Apply(
            context, call.Target.Path, call.Headers, call.Snapshot.Headers, responseHeaders, trailers, succeeded, call.Logger, out var successStatus);
        if (!succeeded || mappingProblem is not null)
        {
            return call.RequestAborted.IsCancellationRequested ? null : mappingProblem ?? Problems.FromStatus(status);
        }

        // The backend may choose the status of a success (x-http-code); 204 has no body, not even an empty stream.
        if (successStatus == StatusCodes.Status204NoContent)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return null;
        }

        if (body.IsStream)
        {
            // A stream of no messages is an empty stream, not an error.
            ServerStreamingCall.Start(context, body.Events);
            context.Response.StatusCode = successStatus ?? StatusCodes.Status200OK;
            return null;
        }

        if (body.IsJson)
        {
            await WriteJsonAsync(context, successStatus, body.Bytes).ConfigureAwait(false);
            return null;
        }

        // The message is transcoded aside, so that a malformed one still gets a clean 502.
        using var json = new PooledBufferWriter(Math.Max(256, body.Bytes.Length * 2));
        try
        {
            Write(call.Snapshot, call.Route, body.Bytes.Span, json);
        }
        catch (ProtobufFormatException)
        {
            return Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Internal, "malformed response message", origin: StatusOrigin.Protocol));
        }

        await WriteJsonAsync(context, successStatus, json.WrittenMemory).ConfigureAwait(false);
        return null;
    }

    private static ValueTask WriteJsonAsync(HttpContext context, int? successStatus, ReadOnlyMemory<byte> json)
    {
        context.Response.StatusCode = successStatus ?? StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        return context.Response.Body.WriteAsync(json, context.RequestAborted);
    }
}

/// <summary>What follows the status line of a whole reply (<see cref="ResponseWriter.WriteWholeAsync"/>).</summary>
internal readonly struct ReplyBody
{
    private readonly Form form;

    private ReplyBody(Form form, ReadOnlyMemory<byte> bytes)
    {
        this.form = form;
        Bytes = bytes;
    }

    private enum Form
    {
        Message,
        Json,
        NdJson,
        EventStream,
    }

    /// <summary>The upstream message, or the JSON already transcoded from it.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    public bool IsJson => form == Form.Json;

    public bool IsStream => form is Form.NdJson or Form.EventStream;

    /// <summary>For a stream: SSE rather than NDJSON.</summary>
    public bool Events => form == Form.EventStream;

    /// <summary>The upstream message, transcoded only once the answer is known to be a success with a body.</summary>
    public static ReplyBody Message(ReadOnlyMemory<byte> message) => new(Form.Message, message);

    /// <summary>The reply already transcoded, for a message that was valid only until the call read on.</summary>
    public static ReplyBody Json(ReadOnlyMemory<byte> json) => new(Form.Json, json);

    /// <summary>A stream of no messages, as NDJSON or (<paramref name="events"/>) SSE.</summary>
    public static ReplyBody EmptyStream(bool events) => new(events ? Form.EventStream : Form.NdJson, default);
}
