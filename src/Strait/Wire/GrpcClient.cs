using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using Strait.Buffers;

namespace Strait.Wire;

/// <summary>
/// Calls one gRPC upstream over HTTP/2: <c>http://</c> is cleartext h2c with prior knowledge, <c>https://</c> is TLS
/// with ALPN h2. Thread-safe; create one per upstream address and reuse it, since it owns the connection pool.
/// </summary>
/// <remarks>
/// Call outcomes are never thrown: they come back as a <see cref="GrpcStatus"/> whose <see cref="GrpcStatus.Origin"/>
/// tells a backend's answer from transport, protocol and local (deadline, cancellation, send limit) failures.
/// Only misuse (an invalid method path, a disposed client) throws.
/// Repeated request metadata keys go out as one comma-joined header field (HttpClient's behaviour, equivalent under
/// HTTP and gRPC semantics); binary values are split again on receipt, text values cannot be.
/// </remarks>
internal sealed class GrpcClient : IDisposable
{
    private static readonly StreamPipeReaderOptions ResponseReaderOptions = new(bufferSize: 16 * 1024, leaveOpen: false);

    private readonly GrpcClientOptions options;
    private readonly HttpMessageInvoker invoker;
    private bool disposed;

    public GrpcClient(Uri address, GrpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The upstream address must be an absolute http:// or https:// URI.", nameof(address));
        }

        Address = address;
        this.options = (options ?? new GrpcClientOptions()).Snapshot();
        invoker = this.options.HttpHandler is { } injected
            ? new HttpMessageInvoker(injected, disposeHandler: false)
            : new HttpMessageInvoker(GrpcHttpHandlerFactory.Create(this.options), disposeHandler: true);
    }

    public Uri Address { get; }

    /// <summary>Makes a unary call.</summary>
    /// <param name="method">The method path, <c>/package.Service/Method</c>.</param>
    /// <param name="requestMessage">The serialized request; the caller keeps ownership and may reuse it once the task completes.</param>
    /// <param name="headers">Request metadata, or <see langword="null"/>.</param>
    /// <param name="deadlineUtc">The absolute deadline, sent as <c>grpc-timeout</c> and enforced locally.</param>
    /// <param name="cancellationToken">Cancels the call (the stream is reset; status CANCELLED).</param>
    /// <param name="previousAttempts">Attempts of this call made before this one, sent as <c>grpc-previous-rpc-attempts</c> when positive.</param>
    /// <returns>The outcome; dispose it to return the response buffer to the pool.</returns>
    public async Task<UnaryResult> InvokeUnaryAsync(
        string method,
        ReadOnlyMemory<byte> requestMessage,
        GrpcMetadata? headers = null,
        DateTime? deadlineUtc = null,
        CancellationToken cancellationToken = default,
        int previousAttempts = 0)
    {
        var requestUri = ResolveMethodUri(method);
        if (requestMessage.Length > options.MaxSendMessageSize)
        {
            return new UnaryResult(SendLimitExceeded(requestMessage.Length), new GrpcMetadata(), new GrpcMetadata());
        }

        using var scope = ClientCallScope.Start(deadlineUtc, cancellationToken, abortable: false);
        if (!scope.TryGetRemainingTime(out var timeout))
        {
            return new UnaryResult(ClientCallScope.DeadlineExceeded(), new GrpcMetadata(), new GrpcMetadata());
        }

        var frame = new PooledBufferWriter(GrpcFrameWriter.HeaderLength + requestMessage.Length);
        try
        {
            GrpcFrameWriter.Write(frame, requestMessage.Span, options.RequestCompression);
        }
        catch
        {
            frame.Dispose();
            throw;
        }

        using var request = CreateRequest(requestUri, headers, timeout, new UnaryRequestContent(frame.Detach()));
        if (previousAttempts > 0)
        {
            request.Headers.TryAddWithoutValidation(GrpcProtocol.PreviousAttemptsHeader, previousAttempts.ToString(CultureInfo.InvariantCulture));
        }

        HttpResponseMessage? response = null;
        try
        {
            response = await invoker.SendAsync(request, scope.Token).ConfigureAwait(false);
            return await ReadUnaryResponseAsync(response, scope.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ClientFailures.IsCallFailure(ex))
        {
            return new UnaryResult(ClientFailures.ToStatus(ex, scope), new GrpcMetadata(), new GrpcMetadata());
        }
        finally
        {
            // Disposing an unfinished response resets the HTTP/2 stream, which is what a failed call needs.
            response?.Dispose();
        }
    }

    /// <summary>
    /// Starts a call of any shape: write request messages with <see cref="GrpcCall.WriteMessageAsync"/>, end them with
    /// <see cref="GrpcCall.CompleteRequestAsync"/>, read responses with <see cref="GrpcCall.MoveNextAsync"/>.
    /// The request is sent immediately. Always dispose the call.
    /// </summary>
    public GrpcCall StartCall(string method, GrpcMetadata? headers = null, DateTime? deadlineUtc = null, CancellationToken cancellationToken = default)
    {
        var requestUri = ResolveMethodUri(method);
        var scope = ClientCallScope.Start(deadlineUtc, cancellationToken, abortable: true);
        if (!scope.TryGetRemainingTime(out var timeout))
        {
            return GrpcCall.CreateCompleted(ClientCallScope.DeadlineExceeded(), scope);
        }

        var content = new StreamingRequestContent();
        var request = CreateRequest(requestUri, headers, timeout, content);
        return GrpcCall.Start(invoker, request, content, scope, options);
    }

    /// <summary>Closes the connection pool; calls still running fail, new calls throw.</summary>
    public void Dispose()
    {
        disposed = true;
        invoker.Dispose();
    }

    internal static GrpcStatus SendLimitExceeded(int length) => new(
        GrpcStatusCode.ResourceExhausted,
        FormattableString.Invariant($"Request message of {length} bytes exceeds the send limit."),
        origin: StatusOrigin.Local);

    internal static PipeReader CreateResponseReader(Stream body) => PipeReader.Create(body, ResponseReaderOptions);

    private async Task<UnaryResult> ReadUnaryResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (GrpcResponseInspector.InspectHead(response, out var isTrailersOnly) is { } headStatus)
        {
            return isTrailersOnly
                ? new UnaryResult(headStatus, new GrpcMetadata(), GrpcResponseInspector.ReadMetadata(response.Headers, response.Content.Headers))
                : new UnaryResult(headStatus, GrpcResponseInspector.ReadMetadata(response.Headers), new GrpcMetadata());
        }

        var responseHeaders = GrpcResponseInspector.ReadMetadata(response.Headers, response.Content.Headers);
        var body = CreateResponseReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        RentedBuffer message = default;
        try
        {
            using var frames = new GrpcFrameReader(body, options.MaxReceiveMessageSize, GrpcResponseInspector.ReadEncoding(response));
            var count = 0;
            while (await frames.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            {
                if (++count > 1)
                {
                    return UnaryProtocolError(responseHeaders, "upstream sent more than one response message for a unary call", ref message);
                }

                message = frames.DetachCurrent();
            }

            var status = GrpcResponseInspector.ReadStatus(response.TrailingHeaders);
            var trailers = GrpcResponseInspector.ReadMetadata(response.TrailingHeaders);
            if (status.Code != GrpcStatusCode.Ok)
            {
                message.Return();
                return new UnaryResult(status, responseHeaders, trailers);
            }

            return count == 1
                ? new UnaryResult(status, responseHeaders, trailers, message)
                : UnaryProtocolError(responseHeaders, "upstream sent OK without a response message for a unary call", ref message);
        }
        catch
        {
            message.Return();
            throw;
        }
        finally
        {
            await body.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static UnaryResult UnaryProtocolError(GrpcMetadata responseHeaders, string text, ref RentedBuffer message)
    {
        message.Return();
        message = default;
        return new UnaryResult(new GrpcStatus(GrpcStatusCode.Internal, text, origin: StatusOrigin.Protocol), responseHeaders, new GrpcMetadata());
    }

    private HttpRequestMessage CreateRequest(Uri requestUri, GrpcMetadata? metadata, TimeSpan? timeout, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, requestUri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };

        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation(GrpcProtocol.UserAgentHeader, options.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcCompressionNames.Gzip);
        if (options.RequestCompression.ToEncodingName() is { } encoding)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, encoding);
        }

        if (timeout is { } remaining)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Encode(remaining));
        }

        if (metadata is not null)
        {
            foreach (var entry in metadata)
            {
                // HttpClient files names like "expires" under content headers; both end up in the same HEADERS frame.
                if (!headers.TryAddWithoutValidation(entry.Key, entry.Value))
                {
                    content.Headers.TryAddWithoutValidation(entry.Key, entry.Value);
                }
            }
        }

        return request;
    }

    private Uri ResolveMethodUri(string method)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (method[0] != '/' || method.IndexOf('/', 1) <= 1 || method.EndsWith('/'))
        {
            throw new ArgumentException("The method must be a path of the form /package.Service/Method.", nameof(method));
        }

        return new Uri(Address, method);
    }
}
