using System.Security.Authentication;

namespace Strait.Wire;

/// <summary>
/// Turns what <see cref="HttpMessageInvoker"/> and the response stream throw into a call status. Messages are fixed
/// texts: exception details stay in <see cref="GrpcStatus.DebugException"/>.
/// </summary>
internal static class ClientFailures
{
    private const long RefusedStream = 0x7;

    private static readonly string[] Http2ErrorNames =
    [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];

    /// <summary>Whether <paramref name="exception"/> is an outcome of the call rather than a programming error.</summary>
    public static bool IsCallFailure(Exception exception) => exception is
        GrpcException or HttpRequestException or IOException or OperationCanceledException or AuthenticationException or ObjectDisposedException;

    public static GrpcStatus ToStatus(Exception exception, ClientCallScope scope)
    {
        if (scope.GetLocalOutcome() is { } local)
        {
            return local;
        }

        if (exception is GrpcException grpc)
        {
            return grpc.Status;
        }

        if (FindInChain<HttpProtocolException>(exception) is { } reset)
        {
            return FromHttp2Error(reset);
        }

        var requestError = (exception as HttpRequestException)?.HttpRequestError ?? (exception as HttpIOException)?.HttpRequestError;
        return requestError switch
        {
            HttpRequestError.NameResolutionError => NotSent("The upstream host name could not be resolved.", exception),
            HttpRequestError.SecureConnectionError => NotSent("The TLS handshake with the upstream failed.", exception),
            HttpRequestError.ConnectionError => NotSent("Could not connect to the upstream.", exception),
            HttpRequestError.ResponseEnded => Transport("The upstream closed the connection before the call completed.", exception),
            HttpRequestError.VersionNegotiationError or HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse =>
                new GrpcStatus(GrpcStatusCode.Unavailable, "The upstream did not answer with valid HTTP/2.", origin: StatusOrigin.Protocol, debugException: exception),
            _ when exception is OperationCanceledException => NotSent("Timed out connecting to the upstream.", exception),
            _ => Transport("The connection to the upstream failed.", exception),
        };
    }

    /// <summary>
    /// An HTTP/2 error code from RST_STREAM or GOAWAY, or one the client raised on invalid frames, mapped as in gRPC's
    /// PROTOCOL-HTTP2.md. CANCEL and REFUSED_STREAM are the peer ending the stream in an orderly way (transport);
    /// the rest mean the exchange broke down (protocol).
    /// </summary>
    private static GrpcStatus FromHttp2Error(HttpProtocolException error)
    {
        var (code, origin) = error.ErrorCode switch
        {
            RefusedStream => (GrpcStatusCode.Unavailable, StatusOrigin.Transport), // Not processed: safe to retry.
            0x8 => (GrpcStatusCode.Cancelled, StatusOrigin.Transport), // CANCEL
            0xB => (GrpcStatusCode.ResourceExhausted, StatusOrigin.Protocol), // ENHANCE_YOUR_CALM
            0xC => (GrpcStatusCode.PermissionDenied, StatusOrigin.Protocol), // INADEQUATE_SECURITY
            _ => (GrpcStatusCode.Internal, StatusOrigin.Protocol),
        };
        var name = (ulong)error.ErrorCode < (ulong)Http2ErrorNames.Length ? Http2ErrorNames[error.ErrorCode] : "unknown";
        return new GrpcStatus(code, $"The HTTP/2 exchange with the upstream failed ({name}).", origin: origin, debugException: error)
        {
            RequestNotProcessed = error.ErrorCode == RefusedStream,
        };
    }

    // The request never reached a server that could act on it.
    private static GrpcStatus NotSent(string message, Exception exception) =>
        new(GrpcStatusCode.Unavailable, message, origin: StatusOrigin.Transport, debugException: exception) { RequestNotProcessed = true };

    private static GrpcStatus Transport(string message, Exception exception) =>
        new(GrpcStatusCode.Unavailable, message, origin: StatusOrigin.Transport, debugException: exception);

    private static T? FindInChain<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
