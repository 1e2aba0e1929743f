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
    private readonly ClientCallScope _scope;
    private readonly GrpcClientOptions? _options;
    private readonly HttpRequestMessage? _request;
    private readonly StreamingRequestContent? _content;
    private readonly CancellationTokenRegistration _abortRegistration;
    private readonly Task<GrpcMetadata> _headersTask;
    private HttpResponseMessage? _response;
    private PipeReader? _responseBody;
    private GrpcFrameReader? _frames;
    private GrpcStatus? _status;
    private GrpcMetadata _trailers = new();
    private bool _requestCompleted;
    private bool _disposed;

    private GrpcCall(
        ClientCallScope scope,
        GrpcClientOptions options,
        HttpRequestMessage request,
        StreamingRequestContent content,
        HttpMessageInvoker invoker)
    {
        _scope = scope;
        _options = options;
        _request = request;
        _content = content;
        _abortRegistration = scope.Token.UnsafeRegister(static state => ((GrpcCall)state!).OnScopeCancelled(), this);
        _headersTask = ReceiveHeadersAsync(invoker);
    }

    private GrpcCall(ClientCallScope scope, GrpcStatus status)
    {
        _scope = scope;
        _status = status;
        _headersTask = Task.FromResult(new GrpcMetadata());
    }

    /// <summary>
    /// The response headers' metadata, once they arrive. Completes with empty metadata, never faults, when the call
    /// ends without them (Trailers-Only response or failure); the outcome is then in <see cref="GetStatus"/>.
    /// </summary>
    public Task<GrpcMetadata> ResponseHeadersAsync => _headersTask;

    /// <summary>The message read by the last successful <see cref="MoveNextAsync"/>; valid until the next call or disposal.</summary>
    public ReadOnlyMemory<byte> Current => _frames?.Current ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>
    /// Whether the upstream answered with a header block and a message stream, rather than Trailers-Only or not at all;
    /// meaningful once <see cref="ResponseHeadersAsync"/> completed.
    /// </summary>
    public bool HasResponseStream => _frames is not null;

    /// <summary>Whether the call has a final status.</summary>
    public bool IsCompleted => Volatile.Read(ref _status) is not null;

    /// <summary>The trailers' metadata (for a Trailers-Only response, its header block's); empty until the call completed.</summary>
    public GrpcMetadata Trailers => _trailers;

    /// <summary>The final status.</summary>
    /// <exception cref="InvalidOperationException">The call has not completed: read until <see cref="MoveNextAsync"/> returns false.</exception>
    public GrpcStatus GetStatus() =>
        Volatile.Read(ref _status) ?? throw new InvalidOperationException("The call has not completed; read responses until MoveNextAsync returns false.");

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
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_requestCompleted)
        {
            throw new InvalidOperationException("The request stream has already been completed.");
        }

        if (IsCompleted || _content is null)
        {
            return false;
        }

        if (message.Length > _options!.MaxSendMessageSize)
        {
            Complete(GrpcClient.SendLimitExceeded(message.Length));
            return false;
        }

        var writer = _content.Writer;
        GrpcFrameWriter.Write(writer, message.Span, _options.RequestCompression);
        using var writeCancellation = cancellationToken.UnsafeRegister(static state => ((GrpcCall)state!).CancelByCaller(), this);
        try
        {
            var result = await writer.FlushAsync(_scope.Token).ConfigureAwait(false);
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
        if (_requestCompleted || _content is null)
        {
            return;
        }

        _requestCompleted = true;
        await _content.Writer.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Reads the next response message into <see cref="Current"/>.</summary>
    /// <returns><see langword="false"/> when the call is over; <see cref="GetStatus"/> then has the outcome.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> MoveNextAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _headersTask.ConfigureAwait(false);
        if (_frames is null || IsCompleted)
        {
            return false;
        }

        try
        {
            if (await _frames.MoveNextAsync(_scope.Token).ConfigureAwait(false))
            {
                return true;
            }

            var trailers = _response!.TrailingHeaders;
            _trailers = GrpcResponseInspector.ReadMetadata(trailers);
            Complete(GrpcResponseInspector.ReadStatus(trailers));
        }
        catch (Exception ex) when (ClientFailures.IsCallFailure(ex))
        {
            Complete(ClientFailures.ToStatus(ex, _scope));
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Complete(new GrpcStatus(GrpcStatusCode.Cancelled, "The call was disposed before it completed.", origin: StatusOrigin.Local));
        await _abortRegistration.DisposeAsync().ConfigureAwait(false);
        if (_content is not null && !_requestCompleted)
        {
            _requestCompleted = true;
            await _content.Writer.CompleteAsync().ConfigureAwait(false);
        }

        await _headersTask.ConfigureAwait(false);
        _frames?.Dispose();
        if (_responseBody is not null)
        {
            await _responseBody.CompleteAsync().ConfigureAwait(false);
        }

        _response?.Dispose();
        _request?.Dispose();
        _scope.Dispose();
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
            var response = await invoker.SendAsync(_request!, _scope.Token).ConfigureAwait(false);
            _response = response;
            if (GrpcResponseInspector.InspectHead(response, out var isTrailersOnly) is { } headStatus)
            {
                if (isTrailersOnly)
                {
                    _trailers = GrpcResponseInspector.ReadMetadata(response.Headers, response.Content.Headers);
                    Complete(headStatus);
                    return new GrpcMetadata();
                }

                Complete(headStatus);
                return GrpcResponseInspector.ReadMetadata(response.Headers);
            }

            var body = await response.Content.ReadAsStreamAsync(_scope.Token).ConfigureAwait(false);
            _responseBody = GrpcClient.CreateResponseReader(body);
            _frames = new GrpcFrameReader(_responseBody, _options!.MaxReceiveMessageSize, GrpcResponseInspector.ReadEncoding(response));
            return GrpcResponseInspector.ReadMetadata(response.Headers, response.Content.Headers);
        }
        catch (Exception ex) when (ClientFailures.IsCallFailure(ex))
        {
            Complete(ClientFailures.ToStatus(ex, _scope));
            return new GrpcMetadata();
        }
    }

    private void OnScopeCancelled()
    {
        if (_scope.GetLocalOutcome() is { } outcome)
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
        if (Interlocked.CompareExchange(ref _status, status, null) is null && _content is not null)
        {
            // Releases a writer waiting on backpressure and resets the stream if the upstream has not ended it.
            _scope.Abort();
        }
    }
}
