using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Strait.Wire;

/// <summary>
/// One gRPC call on the server: reads framed requests from the Kestrel request body, writes framed responses, and ends
/// with the status in trailers, or in the headers alone (Trailers-Only) when nothing was sent before.
/// </summary>
internal sealed class GrpcServerCall : IDisposable
{
    // CancellationTokenSource timers are limited to about 49 days; a longer deadline cannot fire in practice.
    private static readonly TimeSpan MaxDeadlineTimer = TimeSpan.FromDays(30);


    private readonly GrpcServerOptions options;
    private readonly GrpcFrameReader requestFrames;
    private readonly GrpcCompression responseCompression;
    private readonly CancellationTokenSource? deadlineSource;
    private readonly CancellationTokenSource? linkedSource;
    private int writeInProgress;
    private bool handlerCompleted;

    private GrpcServerCall(HttpContext httpContext, string method, GrpcServerOptions options, GrpcCompression requestEncoding)
    {
        HttpContext = httpContext;
        this.options = options;
        var request = httpContext.Request;
        requestFrames = new GrpcFrameReader(request.BodyReader, options.MaxReceiveMessageSize, requestEncoding);
        responseCompression = options.ResponseCompression == GrpcCompression.Gzip
            && GrpcCompressionNames.AcceptsGzip(request.Headers[GrpcProtocol.AcceptEncodingHeader])
                ? GrpcCompression.Gzip
                : GrpcCompression.None;

        var deadline = DateTime.MaxValue;
        var cancellationToken = httpContext.RequestAborted;
        if (GrpcTimeout.TryParse(request.Headers[GrpcProtocol.TimeoutHeader].ToString(), out var timeout))
        {
            var now = DateTime.UtcNow;
            deadline = timeout < DateTime.MaxValue - now ? now + timeout : DateTime.MaxValue;
            if (timeout <= MaxDeadlineTimer)
            {
                deadlineSource = new CancellationTokenSource(timeout);
                linkedSource = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, deadlineSource.Token);
                cancellationToken = linkedSource.Token;
            }
        }

        CancellationToken = cancellationToken;
        Context = new ServerCallContext(this, method, ReadRequestMetadata(request.Headers), deadline, cancellationToken);
    }

    public HttpContext HttpContext { get; }

    public ServerCallContext Context { get; }

    public CancellationToken CancellationToken { get; }

    public string Peer => FormatPeer(HttpContext.Connection.RemoteIpAddress, HttpContext.Connection.RemotePort);

    private bool IsDeadlineExpired => deadlineSource?.IsCancellationRequested == true;

    /// <summary>Runs <paramref name="method"/> for a request routed to it.</summary>
    public static async Task HandleAsync(HttpContext httpContext, ServerMethod method, GrpcServerOptions options, ILogger logger)
    {
        if (await RejectIfNotGrpcAsync(httpContext, StatusCodes.Status415UnsupportedMediaType).ConfigureAwait(false))
        {
            return;
        }

        if (!GrpcCompressionNames.TryParse(httpContext.Request.Headers[GrpcProtocol.EncodingHeader], out var requestEncoding))
        {
            WriteTrailersOnly(httpContext, new GrpcStatus(GrpcStatusCode.Unimplemented, "Unsupported grpc-encoding; this server accepts gzip."));
            return;
        }

        StreamingBodyLimits.Lift(httpContext);
        using var call = new GrpcServerCall(httpContext, method.Path, options, requestEncoding);
        await call.RunAsync(method, logger).ConfigureAwait(false);
    }

    /// <summary>Answers a gRPC request for a method or service that is not mapped.</summary>
    /// <param name="nonGrpcStatusCode">The HTTP status for a request that is not gRPC at all.</param>
    public static async Task HandleUnimplementedAsync(HttpContext httpContext, string message, int nonGrpcStatusCode)
    {
        if (!await RejectIfNotGrpcAsync(httpContext, nonGrpcStatusCode).ConfigureAwait(false))
        {
            WriteTrailersOnly(httpContext, new GrpcStatus(GrpcStatusCode.Unimplemented, message));
        }
    }

    public async ValueTask<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        var message = await ReadMessageAsync(parser, CancellationToken.None).ConfigureAwait(false)
            ?? throw new GrpcException(GrpcStatusCode.Internal, "The request ended without a message.");
        if (await requestFrames.MoveNextAsync(CancellationToken).ConfigureAwait(false))
        {
            throw new GrpcException(GrpcStatusCode.Internal, "The request carried more than one message for a single-request method.");
        }

        return message;
    }

    /// <summary>Reads and parses the next request message; <see langword="null"/> once the client half-closed.</summary>
    public async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        using var linked = Link(cancellationToken);
        if (!await requestFrames.MoveNextAsync(linked?.Token ?? CancellationToken).ConfigureAwait(false))
        {
            return default;
        }

        try
        {
            return parser.ParseFrom(requestFrames.Current.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcException(new GrpcStatus(GrpcStatusCode.Internal, "The request message could not be parsed.", debugException: ex));
        }
    }

    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref handlerCompleted))
        {
            throw new InvalidOperationException("The call has completed; no more responses can be written.");
        }

        if (Interlocked.Exchange(ref writeInProgress, 1) == 1)
        {
            throw new InvalidOperationException("A write is already in progress; await each write before the next.");
        }

        try
        {
            CancellationToken.ThrowIfCancellationRequested();
            var size = message.CalculateSize();
            if (size > options.MaxSendMessageSize)
            {
                throw new GrpcException(GrpcStatusCode.ResourceExhausted, "The response message exceeds the server's send limit.");
            }

            var response = HttpContext.Response;
            if (!response.HasStarted)
            {
                PrepareResponseHead(response);
            }

            GrpcFrameWriter.Write(response.BodyWriter, message, size, responseCompression);
            using var linked = Link(cancellationToken);
            var result = await response.BodyWriter.FlushAsync(linked?.Token ?? CancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException(CancellationToken);
            }
        }
        finally
        {
            Volatile.Write(ref writeInProgress, 0);
        }
    }

    public async Task WriteResponseHeadersAsync(GrpcMetadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var response = HttpContext.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException("The response headers have already been sent.");
        }

        PrepareResponseHead(response);
        GrpcStatusHeaders.AppendMetadata(response.Headers, headers);
        await response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        requestFrames.Dispose();
        linkedSource?.Dispose();
        deadlineSource?.Dispose();
    }

    private async Task RunAsync(ServerMethod method, ILogger logger)
    {
        GrpcStatus status;
        GrpcMetadata? exceptionTrailers = null;
        try
        {
            await method.InvokeAsync(this).ConfigureAwait(false);
            status = IsDeadlineExpired ? DeadlineExceeded() : GrpcStatus.Ok;
        }
        catch (GrpcException ex)
        {
            status = ex.Status;
            exceptionTrailers = ex.Trailers;
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            status = IsDeadlineExpired ? DeadlineExceeded() : new GrpcStatus(GrpcStatusCode.Cancelled, "The call was cancelled.");
        }
        catch (Exception ex)
        {
            GrpcServerLog.HandlerFailed(logger, method.Path, ex);
            status = new GrpcStatus(GrpcStatusCode.Unknown, "Exception was thrown by handler.");
        }
        finally
        {
            Volatile.Write(ref handlerCompleted, true);
        }

        if (status.Code != GrpcStatusCode.Ok)
        {
            GrpcServerLog.CallFailed(logger, method.Path, status.Code);
        }

        // A client that reset the stream cannot receive a status.
        if (!HttpContext.RequestAborted.IsCancellationRequested)
        {
            WriteStatus(status, exceptionTrailers);
        }
    }

    private void WriteStatus(GrpcStatus status, GrpcMetadata? exceptionTrailers)
    {
        var response = HttpContext.Response;
        if (!response.HasStarted)
        {
            // Trailers-Only: the whole answer is one HEADERS frame with END_STREAM, which Kestrel sends for an empty body.
            PrepareResponseHead(response);
            GrpcStatusHeaders.AppendStatus(response.Headers, status);
            GrpcStatusHeaders.AppendMetadata(response.Headers, Context.ResponseTrailers);
            GrpcStatusHeaders.AppendMetadata(response.Headers, exceptionTrailers);
            return;
        }

        var trailers = HttpContext.Features.GetRequiredFeature<IHttpResponseTrailersFeature>().Trailers;
        GrpcStatusHeaders.AppendStatus(trailers, status);
        GrpcStatusHeaders.AppendMetadata(trailers, Context.ResponseTrailers);
        GrpcStatusHeaders.AppendMetadata(trailers, exceptionTrailers);
    }

    private void PrepareResponseHead(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompressionNames.Gzip;
        if (responseCompression.ToEncodingName() is { } encoding)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = encoding;
        }
    }

    private static void WriteTrailersOnly(HttpContext httpContext, GrpcStatus status)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompressionNames.Gzip;
        GrpcStatusHeaders.AppendStatus(response.Headers, status);
    }

    private static GrpcMetadata ReadRequestMetadata(IHeaderDictionary headers)
    {
        var metadata = new GrpcMetadata();
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                if (value is not null)
                {
                    metadata.AddFromWire(name, value);
                }
            }
        }

        return metadata;
    }

    /// <summary>Answers requests that are not gRPC over HTTP/2 with a plain HTTP status; true when it did.</summary>
    private static async ValueTask<bool> RejectIfNotGrpcAsync(HttpContext httpContext, int nonGrpcStatusCode)
    {
        var request = httpContext.Request;
        var response = httpContext.Response;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Connection = "Upgrade";
            response.Headers.Upgrade = request.IsHttps ? "h2" : "h2c";
            await response.WriteAsync("gRPC requires HTTP/2.", httpContext.RequestAborted).ConfigureAwait(false);
            return true;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            response.StatusCode = nonGrpcStatusCode;
            return true;
        }

        return false;
    }

    private CancellationTokenSource? Link(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken) : null;

    private static GrpcStatus DeadlineExceeded() => new(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.");

    private static string FormatPeer(IPAddress? address, int port)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"ipv6:[{address}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"ipv4:{address}:{port}");
    }
}
