using System.Net.Http;
using System.Security.Authentication;

namespace Strait.Wire;

/// <summary>
/// Turns what <see cref="HttpMessageInvoker"/> and the response stream throw into a call status. Messages are fixed
/// texts: exception details stay in <see cref="GrpcStatus.DebugException"/>.
/// </summary>
internal static class ClientFailures
{
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
            return FromStreamReset(reset);
        }

        var requestError = (exception as HttpRequestException)?.HttpRequestError ?? (exception as HttpIOException)?.HttpRequestError;
        return requestError switch
        {
            HttpRequestError.NameResolutionError => Transport("The upstream host name could not be resolved.", exception),
            HttpRequestError.SecureConnectionError => Transport("The TLS handshake with the upstream failed.", exception),
            HttpRequestError.ConnectionError => Transport("Could not connect to the upstream.", exception),
            HttpRequestError.ResponseEnded => Transport("The upstream closed the connection before the call completed.", exception),
            HttpRequestError.VersionNegotiationError or HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse =>
                new GrpcStatus(GrpcStatusCode.Unavailable, "The upstream did not answer with valid HTTP/2.", origin: StatusOrigin.Protocol, debugException: exception),
            _ when exception is OperationCanceledException => Transport("Timed out connecting to the upstream.", exception),
            _ => Transport("The connection to the upstream failed.", exception),
        };
    }

    /// <summary>The RST_STREAM error code mapping of gRPC's PROTOCOL-HTTP2.md.</summary>
    private static GrpcStatus FromStreamReset(HttpProtocolException reset)
    {
        var code = reset.ErrorCode switch
        {
            0x7 => GrpcStatusCode.Unavailable, // REFUSED_STREAM: not processed, safe to retry.
            0x8 => GrpcStatusCode.Cancelled, // CANCEL
            0xB => GrpcStatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
            0xC => GrpcStatusCode.PermissionDenied, // INADEQUATE_SECURITY
            _ => GrpcStatusCode.Internal,
        };
        return new GrpcStatus(code, "The upstream reset the HTTP/2 stream.", origin: StatusOrigin.Transport, debugException: reset);
    }

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
