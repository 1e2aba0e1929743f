using System.IO.Pipelines;

using System.Runtime.CompilerServices;

namespace Strait.Wire;

/// <summary>
/// A call of any shape (unary, server, client or bidirectional streaming) started by <see cref="GrpcClient.StartCall"/>.
/// </summary>
/// <remarks>
/// One task may write while another reads; neither side supports concurrent use of itself. Outcomes are not thrown:
/// <see cref="WriteMessageAsync"/> reports <see langword="false"/> once the call is over, and
/// <see cref="MoveNextAsync"/> returns <see langword="false"/> at the end, after which <see cref="GetStatus"/> and
/// <see cref="Trailers"/> hold the result. The first final status wins: a deadline or cancellation that fires after
/// the upstream's status arrived does not change it. Disposing an unfinished call cancels it (RST_STREAM).
/// </remarks>
internal sealed class GrpcCall : IAsyncDisposable
{
    private readonly ClientCallScope scope;
    private readonly GrpcClientOptions? options;
    private readonly HttpRequestMessage? request;
    private readonly StreamingRequestContent? content;
    private readonly CancellationTokenRegistration abortRegistration;
    private readonly Task<GrpcMetadata> headersTask;
    private HttpResponseMessage? response;
    private PipeReader? responseBody;
    private GrpcFrameReader? frames;
    private GrpcStatus? status;
    private GrpcMetadata trailers = new();
    private bool requestCompleted;
    private bool disposed;

    private GrpcCall(
        ClientCallScope scope,
        GrpcClientOptions options,
        HttpRequestMessage request,
        StreamingRequestContent content,
        HttpMessageInvoker invoker)
    {
        this.scope = scope;
        this.options = options;
        this.request = request;
        this.content = content;
        abortRegistration = scope.Token.UnsafeRegister(static state => ((GrpcCall)state!).OnScopeCancelled(), this);
        headersTask = ReceiveHeadersAsync(invoker);
    }

    private GrpcCall(ClientCallScope scope, GrpcStatus status)
    {
        this.scope = scope;
        this.status = status;
        headersTask = Task.FromResult(new GrpcMetadata());
    }

    /// <summary>
    /// The response headers' metadata, once they arrive. Completes with empty metadata, never faults, when the call
    /// ends without them (Trailers-Only response or failure); the outcome is then in <see cref="GetStatus"/>.
    /// </summary>
    public Task<GrpcMetadata> ResponseHeadersAsync => headersTask;

    /// <summary>The message read by the last successful <see cref="MoveNextAsync"/>; valid until the next call or disposal.</summary>
    public ReadOnlyMemory<byte> Current => frames?.Current ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>
    /// Whether the upstream answered with a header block and a message stream, rather than Trailers-Only or not at all;
    /// meaningful once <see cref="ResponseHeadersAsync"/> completed.
    /// </summary>
    public bool HasResponseStream => frames is not null;

    /// <summary>Whether the call has a final status.</summary>
    public bool IsCompleted => Volatile.Read(ref status) is not null;

    /// <summary>The trailers' metadata (for a Trailers-Only response, its header block's); empty until the call completed.</summary>
    public GrpcMetadata Trailers => trailers;

    /// <summary>The final status.</summary>
    /// <exception cref="InvalidOperationException">The call has not completed: read until <see cref="MoveNextAsync"/> returns false.</exception>
    public GrpcStatus GetStatus() =>
        Volatile.Read(ref status) ?? throw new InvalidOperationException("The call has not completed; read responses until MoveNextAsync returns false.");

    /// <summary>Sends one request message, waiting while the transport applies backpressure.</summary>
    /// <param name="message">The serialized message; copied into the request stream before the first await.</param>
    /// <param name="cancellationToken">Cancelling a write cancels the whole call.</param>
    /// <returns>
    /// <see langword="false"/> when the message was not sent because the call is over (ended by the upstream, failed,
    /// or the message exceeded the send limit); read the status then.
    /// </returns>
    /// <exception cref="InvalidOperationException">The request stream was already completed.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WriteMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (requestCompleted)
        {
            throw new InvalidOperationException("The request stream has already been completed.");
        }

        if (IsCompleted || content is null)
        {
            return false;
        }

        if (message.Length > options!.MaxSendMessageSize)
        {
            Complete(GrpcClient.SendLimitExceeded(message.Length));
            return false;
        }

        var writer = content.Writer;
        GrpcFrameWriter.Write(writer, message.Span, options.RequestCompression);
        using var writeCancellation = cancellationToken.UnsafeRegister(static state => ((GrpcCall)state!).CancelByCaller(), this);
        try
        {
            var result = await writer.FlushAsync(scope.Token).ConfigureAwait(false);
            return !result.IsCompleted && !result.IsCanceled && !IsCompleted;
        }
        catch (Exception)
        {
            // The request side fails with whatever ended the HTTP request; that outcome surfaces on the reading side.
            return false;
        }
    }

    /// <summary>Ends the request stream (half-close). Idempotent.</summary>
    public async ValueTask CompleteRequestAsync()
    {
        if (requestCompleted || content is null)
        {
            return;
        }

        requestCompleted = true;
        await content.Writer.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Reads the next response message into <see cref="Current"/>.</summary>
    /// <returns><see langword="false"/> when the call is over; <see cref="GetStatus"/> then has the outcome.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> MoveNextAsync()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        await headersTask.ConfigureAwait(false);
        if (frames is null || IsCompleted)
        {
            return false;
        }

        try
        {
            if (await frames.MoveNextAsync(scope.Token).ConfigureAwait(false))
            {
                return true;
            }

            var trailers = response!.TrailingHeaders;
            this.trailers = GrpcResponseInspector.ReadMetadata(trailers);
            Complete(GrpcResponseInspector.ReadStatus(trailers));
        }
        catch (Exception ex) when (ClientFailures.IsCallFailure(ex))
        {
            Complete(ClientFailures.ToStatus(ex, scope));
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Complete(new GrpcStatus(GrpcStatusCode.Cancelled, "The call was disposed before it completed.", origin: StatusOrigin.Local));
        await abortRegistration.DisposeAsync().ConfigureAwait(false);
        if (content is not null && !requestCompleted)
        {
            requestCompleted = true;
            await content.Writer.CompleteAsync().ConfigureAwait(false);
        }

        await headersTask.ConfigureAwait(false);
        frames?.Dispose();
        if (responseBody is not null)
        {
            await responseBody.CompleteAsync().ConfigureAwait(false);
        }

        response?.Dispose();
        request?.Dispose();
        scope.Dispose();
    }

    internal static GrpcCall Start(
        HttpMessageInvoker invoker,
        HttpRequestMessage request,
        StreamingRequestContent content,
        ClientCallScope scope,
        GrpcClientOptions options) => new(scope, options, request, content, invoker);

    /// <summary>A call that ended before anything was sent, e.g. because its deadline had already passed.</summary>
    internal static GrpcCall CreateCompleted(GrpcStatus status, ClientCallScope scope) => new(scope, status);

    private async Task<GrpcMetadata> ReceiveHeadersAsync(HttpMessageInvoker invoker)
    {
        try
        {
            var response = await invoker.SendAsync(request!, scope.Token).ConfigureAwait(false);
            this.response = response;
            if (GrpcResponseInspector.InspectHead(response, out var isTrailersOnly) is { } headStatus)
            {
                if (isTrailersOnly)
                {
                    trailers = GrpcResponseInspector.ReadMetadata(response.Headers, response.Content.Headers);
                    Complete(headStatus);
                    return new GrpcMetadata();
                }

                Complete(headStatus);
                return GrpcResponseInspector.ReadMetadata(response.Headers);
            }

            var body = await response.Content.ReadAsStreamAsync(scope.Token).ConfigureAwait(false);
            responseBody = GrpcClient.CreateResponseReader(body);
            frames = new GrpcFrameReader(responseBody, options!.MaxReceiveMessageSize, GrpcResponseInspector.ReadEncoding(response));
            return GrpcResponseInspector.ReadMetadata(response.Headers, response.Content.Headers);
        }
        catch (Exception ex) when (ClientFailures.IsCallFailure(ex))
        {
            Complete(ClientFailures.ToStatus(ex, scope));
            return new GrpcMetadata();
        }
    }

    private void OnScopeCancelled()
    {
        if (scope.GetLocalOutcome() is { } outcome)
        {
            Complete(outcome);
        }
    }

    private void CancelByCaller()
    {
        Complete(new GrpcStatus(GrpcStatusCode.Cancelled, "The call was cancelled by the caller.", origin: StatusOrigin.Local));
    }

    /// <summary>Records the final status if none was recorded yet, and then stops whatever is still running.</summary>
    private void Complete(GrpcStatus status)
    {
        if (Interlocked.CompareExchange(ref this.status, status, null) is null && content is not null)
        {
            // Releases a writer waiting on backpressure and resets the stream if the upstream has not ended it.
            scope.Abort();
        }
    }
}
