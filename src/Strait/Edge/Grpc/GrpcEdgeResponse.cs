using System.Buffers;
using System.Buffers.Text;
using System.Collections.Frozen;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Strait.Resilience;
using Strait.Wire;

namespace Strait.Edge.Grpc;

/// <summary>
/// Writes a proxied call's answer in the framing of the protocol it arrived in: gRPC frames with HTTP trailers
/// (native), or gRPC frames ended by a trailer frame (grpc-web), base64-encoded frame by frame for grpc-web-text so
/// that each message can be decoded as soon as it arrives. Messages are copied into the response pipe and flushed
/// when the caller says so or when <see cref="FlushThreshold"/> bytes wait, so a fast upstream never grows an
/// unflushed buffer past that.
/// </summary>
internal sealed class GrpcEdgeResponse
{
    /// <summary>Unflushed bytes after which a write is flushed even if more messages are ready.</summary>
    public const int FlushThreshold = 32 * 1024;

    private const byte TrailerFrameFlag = 0x80;

    // Upstream header fields that describe the upstream's own HTTP connection or that the gateway sets itself: passed
    // on, they would contradict the gateway's (a second Access-Control-Allow-Origin, an Alt-Svc pointing past it).
    private static readonly FrozenSet<string> NotForwarded = new[]
    {
        "date", "server", "alt-svc", "strict-transport-security", "content-length", "content-encoding", "x-request-id",
        "access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers",
        "access-control-allow-headers", "access-control-allow-methods", "access-control-max-age", "vary",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly HttpContext context;
    private readonly GrpcEdgeProtocol protocol;
    private readonly string contentType;
    private long unflushed;
    private bool headSet;

    public GrpcEdgeResponse(HttpContext context, GrpcEdgeProtocol protocol)
    {
        this.context = context;
        this.protocol = protocol;
        contentType = protocol switch
        {
            GrpcEdgeProtocol.Native => GrpcProtocol.ContentType,
            // The answer's type follows the request's (+proto or not), as grpc-web clients compare it.
            _ => ContentTypeBase(context.Request.ContentType, protocol == GrpcEdgeProtocol.WebText ? GrpcEdgeProtocols.WebTextContentType : GrpcEdgeProtocols.WebContentType),
        };
    }

    public bool HasStarted => context.Response.HasStarted;

    /// <summary>Whether the ending (trailers or trailer frame) was written; it is written once.</summary>
    public bool IsFinished { get; private set; }

    private PipeWriter Body => context.Response.BodyWriter;

    /// <summary>Sends the response head with the upstream's header metadata.</summary>
    public Task StartAsync(GrpcMetadata headers)
    {
        SetHead(headers);
        return context.Response.StartAsync(context.RequestAborted);
    }

    /// <summary>Sets the response head without sending it: it goes out with the first write (a unary answer, in one go).</summary>
    public void SetHead(GrpcMetadata headers)
    {
        headSet = true;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        AppendMetadata(response.Headers, headers);
        if (response.Headers.AccessControlExposeHeaders.Count > 0 && headers.Count > 0)
        {
            // A browser script reads only exposed headers, and the upstream's metadata is not known in advance.
            response.Headers.Append("Access-Control-Expose-Headers", string.Join(", ", headers.Select(h => h.Key).Where(k => !NotForwarded.Contains(k)).Distinct()));
        }
    }

    /// <summary>Copies one message into the response as a frame (not yet flushed).</summary>
    public void WriteMessage(ReadOnlySpan<byte> message)
    {
        if (protocol == GrpcEdgeProtocol.WebText)
        {
            var frame = ArrayPool<byte>.Shared.Rent(GrpcFrameWriter.HeaderLength + message.Length);
            try
            {
                GrpcFrameWriter.WriteHeader(frame, compressed: false, message.Length);
                message.CopyTo(frame.AsSpan(GrpcFrameWriter.HeaderLength));
                WriteBase64(frame.AsSpan(0, GrpcFrameWriter.HeaderLength + message.Length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }

            return;
        }

        var header = Body.GetSpan(GrpcFrameWriter.HeaderLength);
        GrpcFrameWriter.WriteHeader(header, compressed: false, message.Length);
        Body.Advance(GrpcFrameWriter.HeaderLength);
        Body.Write(message);
        unflushed += GrpcFrameWriter.HeaderLength + message.Length;
    }

    /// <summary>Whether enough is unflushed that the next write should wait for the client.</summary>
    public bool ShouldFlush => unflushed >= FlushThreshold;

    /// <param name="cancellationToken">Ends a flush the client does not take (a stalled reader past the idle timeout).</param>
    /// <returns>False when the client is gone.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        unflushed = 0;
        var result = await Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        return !result.IsCanceled && !result.IsCompleted;
    }

    /// <summary>
    /// Ends the answer with the status and trailer metadata. Native gRPC with nothing sent yet answers Trailers-Only
    /// (one header block); grpc-web always sends a head and then the trailer frame, which every grpc-web client reads.
    /// </summary>
    /// <param name="flush">
    /// False leaves what is buffered to the server, which writes it with the end of the response when the handler
    /// returns: a unary answer then leaves as one write (head, message and trailers) instead of two.
    /// </param>
    public async Task FinishAsync(GrpcStatus status, GrpcMetadata trailers, bool flush = true)
    {
        if (IsFinished)
        {
            return;
        }

        IsFinished = true;
        var response = context.Response;
        if (protocol == GrpcEdgeProtocol.Native)
        {
            if (!response.HasStarted && !headSet)
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = contentType;
                GrpcStatusHeaders.AppendStatus(response.Headers, status);
                AppendMetadata(response.Headers, trailers);
                return;
            }

            var trailerHeaders = context.Features.GetRequiredFeature<IHttpResponseTrailersFeature>().Trailers;
            GrpcStatusHeaders.AppendStatus(trailerHeaders, status);
            AppendMetadata(trailerHeaders, trailers);
            if (flush)
            {
                await FlushOrResetAsync().ConfigureAwait(false);
            }

            return;
        }

        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
        }

        var block = new HeaderDictionary();
        GrpcStatusHeaders.AppendStatus(block, status);
        AppendMetadata(block, trailers);
        var text = new StringBuilder();
        foreach (var (name, values) in block)
        {
            foreach (var value in values)
            {
                text.Append(name.ToLowerInvariant()).Append(':').Append(value).Append("\r\n");
            }
        }

        var payload = Encoding.ASCII.GetBytes(text.ToString());
        var frame = new byte[GrpcFrameWriter.HeaderLength + payload.Length];
        GrpcFrameWriter.WriteHeader(frame, compressed: false, payload.Length);
        frame[0] = TrailerFrameFlag;
        payload.CopyTo(frame.AsSpan(GrpcFrameWriter.HeaderLength));
        if (protocol == GrpcEdgeProtocol.WebText)
        {
            WriteBase64(frame);
        }
        else
        {
            Body.Write(frame);
        }

        if (flush)
        {
            await FlushOrResetAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Trailers wait behind unsent data; a client that stopped reading gets a reset instead of a wait without end.</summary>
    private async Task FlushOrResetAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(StreamSlot.EndingGrace);
        try
        {
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
        }
    }

    private static void AppendMetadata(IHeaderDictionary headers, GrpcMetadata metadata)
    {
        foreach (var entry in metadata)
        {
            if (!NotForwarded.Contains(entry.Key))
            {
                headers.Append(entry.Key, entry.Value);
            }
        }
    }

    // Chunks of a multiple of 3 bytes encode to the same text as the whole, without asking the pipe for one huge span.
    private void WriteBase64(ReadOnlySpan<byte> bytes)
    {
        const int Chunk = 3 * 4096;
        while (!bytes.IsEmpty)
        {
            var part = bytes[..Math.Min(Chunk, bytes.Length)];
            var destination = Body.GetSpan(Base64.GetMaxEncodedToUtf8Length(part.Length));
            Base64.EncodeToUtf8(part, destination, out _, out var written);
            Body.Advance(written);
            unflushed += written;
            bytes = bytes[part.Length..];
        }
    }

    private static string ContentTypeBase(string? requestType, string family) =>
        requestType is not null && requestType.StartsWith(family + "+proto", StringComparison.OrdinalIgnoreCase) ? family + "+proto" : family;
}
