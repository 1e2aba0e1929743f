using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Strait.Wire;

namespace Strait.Errors;

/// <summary>The problems Strait itself raises, and the translation of a gRPC status into a problem.</summary>
internal static class Problems
{
    private const long MaxRetryAfterSeconds = 86_400;

    public static Problem RouteNotFound(string method, string path) =>
        new(404, "route-not-found", "Route Not Found", GrpcStatusCode.NotFound)
        {
            Detail = $"No route matches {method} {path}.",
        };

    public static Problem MethodNotAllowed(string method, string path, IReadOnlyList<string> allowed) =>
        new(405, "method-not-allowed", "Method Not Allowed", GrpcStatusCode.Unimplemented)
        {
            Detail = $"{path} does not accept {method}; it accepts {string.Join(", ", allowed)}.",
            Allow = allowed,
        };

    /// <summary>The request target has a <c>.</c> or <c>..</c> segment, which Strait refuses rather than resolves (ADR 0011).</summary>
    public static Problem DotSegment() =>
        new(400, "dot-segment", "Dot Segment in Path", GrpcStatusCode.InvalidArgument)
        {
            Detail = "The request path has a '.' or '..' segment (also percent-encoded); the gateway does not resolve them. Send the path the segments lead to.",
        };

    /// <summary>The request could not be turned into a gRPC message (bad JSON, value, path or query).</summary>
    public static Problem InvalidRequest(string detail, string? field = null, string? fieldDescription = null) =>
        new(400, "invalid-request", "Invalid Request", GrpcStatusCode.InvalidArgument)
        {
            Detail = detail,
            Errors = field is null ? [] : [new ProblemFieldError(field, fieldDescription ?? detail)],
        };

    /// <summary>A request header broke a mapping rule or a safety rule; <paramref name="header"/> is named in <c>errors</c>.</summary>
    public static Problem InvalidHeader(string header, string detail) =>
        new(400, "invalid-header", "Invalid Request Header", GrpcStatusCode.InvalidArgument)
        {
            Detail = detail,
            Errors = [new ProblemFieldError(header, detail)],
        };

    public static Problem MissingHeader(string header) =>
        new(400, "missing-header", "Missing Request Header", GrpcStatusCode.InvalidArgument)
        {
            Detail = $"The request header '{header}' is required.",
            Errors = [new ProblemFieldError(header, "is required")],
        };

    public static Problem TooManyHeaders(int count, int limit) =>
        new(431, "request-header-fields-too-large", "Request Header Fields Too Large", GrpcStatusCode.InvalidArgument)
        {
            Detail = $"The request has {count} headers; at most {limit} are accepted.",
        };

    public static Problem MetadataTooLarge(int size, int limit) =>
        new(400, "metadata-too-large", "Request Metadata Too Large", GrpcStatusCode.InvalidArgument)
        {
            Detail = $"The headers mapped to {size} bytes of gRPC metadata; at most {limit} are sent to the backend.",
        };

    /// <summary>Strict outgoing mapping: the backend's reply lacks metadata a rule requires.</summary>
    public static Problem MissingResponseMetadata(string key) =>
        new(502, "bad-upstream-response", "Bad Gateway", GrpcStatusCode.Internal)
        {
            Detail = $"The backend's reply lacks the required metadata '{key}'.",
        };

    /// <summary>The route's cluster has no endpoint to send the call to (none discovered, or all closed).</summary>
    public static Problem NoEndpoint(string cluster) =>
        new(503, "no-upstream-endpoint", "Service Unavailable", GrpcStatusCode.Unavailable)
        {
            Detail = $"Cluster '{cluster}' has no endpoint to send the call to. Please try again later.",
        };

    /// <summary>An Idempotency-Key came back with another request (method, path, query or body) than its first.</summary>
    public static Problem IdempotencyKeyReused(string header) =>
        new(422, "idempotency-key-reused", "Idempotency Key Reused", GrpcStatusCode.FailedPrecondition)
        {
            Detail = "This Idempotency-Key was used for a different request. Use a new key for a new request.",
            Errors = [new ProblemFieldError(header, "was used for a different request")],
        };

    /// <summary>A request with the same Idempotency-Key is still running.</summary>
    public static Problem IdempotencyKeyInFlight(string header, TimeSpan waited) =>
        new(409, "idempotency-key-in-use", "Idempotency Key In Use", GrpcStatusCode.Aborted)
        {
            Detail = FormattableString.Invariant($"A request with this Idempotency-Key is still being processed (waited {waited.TotalSeconds:0.#} s). Retry later to get its answer."),
            RetryAfter = TimeSpan.FromSeconds(1),
        };

    /// <summary>The idempotency store could not be reached: running the request could execute it twice.</summary>
    public static Problem IdempotencyStoreUnavailable() =>
        new(503, "idempotency-store-unavailable", "Service Unavailable", GrpcStatusCode.Unavailable)
        {
            Detail = "Requests with an Idempotency-Key cannot be processed right now. Please try again shortly.",
            RetryAfter = TimeSpan.FromSeconds(1),
        };

    /// <summary>The client spent its permits under the rate limit <paramref name="limit"/>.</summary>
    public static Problem RateLimited(string limit, TimeSpan retryAfter) =>
        new(429, "rate-limited", "Too Many Requests", GrpcStatusCode.ResourceExhausted)
        {
            Detail = $"The rate limit '{limit}' is exhausted for this client. Retry after the time in Retry-After.",
            RetryAfter = retryAfter,
        };

    /// <summary>The route's cluster is at its concurrency caps (<c>circuitBreaker.maxRequests</c> and <c>maxPending</c>).</summary>
    public static Problem UpstreamOverloaded(string cluster, TimeSpan retryAfter) =>
        new(503, "upstream-overloaded", "Service Unavailable", GrpcStatusCode.Unavailable)
        {
            Detail = $"Cluster '{cluster}' is at its limit of concurrent calls. Please try again shortly.",
            RetryAfter = retryAfter,
        };

    /// <summary>A WebSocket handshake from a browser page of an origin <c>cors.allowedOrigins</c> does not name.</summary>
    public static Problem OriginNotAllowed(string origin) =>
        new(403, "origin-not-allowed", "Forbidden", GrpcStatusCode.PermissionDenied)
        {
            Detail = $"WebSocket connections from the origin '{origin}' are not allowed; list it in cors.allowedOrigins.",
        };

    /// <summary>A request for the OpenAPI document or <c>/docs</c> from a network <c>openApi.allowedNetworks</c> does not name.</summary>
    public static Problem ApiDocumentForbidden() =>
        new(403, "api-document-forbidden", "Forbidden", GrpcStatusCode.PermissionDenied)
        {
            Detail = "The API document is not served to this client's network (openApi.allowedNetworks).",
        };

    /// <summary>Too many streams are open: the client's own (429) or the gateway's (503).</summary>
    public static Problem TooManyStreams(int limit, bool perClient) => perClient
        ? new(429, "too-many-streams", "Too Many Requests", GrpcStatusCode.ResourceExhausted)
        {
            Detail = $"This client has {limit} streams open, its limit. Close one before opening another.",
            RetryAfter = TimeSpan.FromSeconds(1),
        }
        : new(503, "too-many-streams", "Service Unavailable", GrpcStatusCode.ResourceExhausted)
        {
            Detail = $"The gateway has {limit} streams open, its limit. Please try again shortly.",
            RetryAfter = TimeSpan.FromSeconds(1),
        };

    public static Problem PayloadTooLarge(long limit) =>
        new(413, "payload-too-large", "Payload Too Large", GrpcStatusCode.InvalidArgument)
        {
            Detail = $"The request body is larger than the limit of {limit} bytes.",
        };

    /// <summary>The HTTP server rejected the body's framing or timing (Kestrel's 400, 408 or 413).</summary>
    public static Problem UnreadableBody(int status) =>
        new(status is 408 or 413 ? status : 400, "unreadable-body", "Unreadable Request Body", GrpcStatusCode.InvalidArgument)
        {
            Detail = status == 408 ? "The request body arrived too slowly." : "The request body could not be read (malformed chunked encoding or a body shorter than its Content-Length).",
        };

    /// <summary>A streamed request body sent nothing for <c>streaming.requestBodyIdleTimeout</c>.</summary>
    public static Problem RequestBodyIdle(TimeSpan timeout) =>
        new(408, "unreadable-body", "Unreadable Request Body", GrpcStatusCode.InvalidArgument)
        {
            Detail = string.Create(CultureInfo.InvariantCulture, $"The request body sent nothing for {timeout.TotalSeconds:0.###} s (streaming.requestBodyIdleTimeout)."),
        };

    public static Problem UnsupportedMediaType(string? contentType) =>
        new(415, "unsupported-media-type", "Unsupported Media Type", GrpcStatusCode.InvalidArgument)
        {
            Detail = $"Content-Type '{contentType}' is not supported; send application/json.",
        };

    public static Problem Internal() =>
        new(500, "internal-error", "Internal Error", GrpcStatusCode.Internal)
        {
            Detail = "An unexpected error occurred. Please try again later.",
        };

    /// <summary>
    /// The problem for a failed call. Backend statuses keep their code and message; failures that never
    /// reached a backend or broke the protocol get gateway statuses (503, 502, 504, 499) with messages that
    /// reveal nothing of Strait's internals or the upstream's address.
    /// </summary>
    public static Problem FromStatus(GrpcStatus status)
    {
        switch (status.Origin)
        {
            case StatusOrigin.Transport:
                return new Problem(503, "upstream-unavailable", "Service Unavailable", GrpcStatusCode.Unavailable)
                {
                    Detail = "The upstream service is unavailable. Please try again later.",
                };
            case StatusOrigin.Protocol:
                return new Problem(502, "bad-upstream-response", "Bad Gateway", status.Code)
                {
                    Detail = "The upstream service sent a response that is not valid gRPC.",
                };
            case StatusOrigin.Edge:
                return new Problem(GrpcHttpStatusMap.ToHttpStatus(status.Code), Slug(status.Code), GrpcHttpStatusMap.Title(status.Code), status.Code)
                {
                    Detail = status.Message,
                };
            case StatusOrigin.Local when status.Code == GrpcStatusCode.DeadlineExceeded:
                return new Problem(504, "deadline-exceeded", "Deadline Exceeded", GrpcStatusCode.DeadlineExceeded)
                {
                    Detail = "The upstream call did not complete before its deadline.",
                };
            case StatusOrigin.Local:
                return new Problem(GrpcHttpStatusMap.ToHttpStatus(status.Code), Slug(status.Code), GrpcHttpStatusMap.Title(status.Code), status.Code)
                {
                    Detail = "The request was cancelled.",
                };
        }

        return FromBackendStatus(status.Code, status.Message, status.Details);
    }

    private static Problem FromBackendStatus(GrpcStatusCode code, string message, Google.Rpc.Status? details)
    {
        var errors = new List<ProblemFieldError>();
        ErrorInfo? errorInfo = null;
        TimeSpan? retryAfter = null;
        var anys = details?.Details ?? [];
        foreach (var any in anys)
        {
            if (any.Is(BadRequest.Descriptor) && TryUnpack<BadRequest>(any, out var badRequest))
            {
                foreach (var violation in badRequest.FieldViolations)
                {
                    errors.Add(new ProblemFieldError(violation.Field, violation.Description));
                }
            }
            else if (any.Is(ErrorInfo.Descriptor) && errorInfo is null && TryUnpack<ErrorInfo>(any, out var info))
            {
                errorInfo = info;
            }
            else if (any.Is(RetryInfo.Descriptor) && retryAfter is null && TryUnpack<RetryInfo>(any, out var retry))
            {
                retryAfter = RetryDelay(retry);
            }
        }

        return new Problem(GrpcHttpStatusMap.ToHttpStatus(code), Slug(code), GrpcHttpStatusMap.Title(code), code)
        {
            Detail = string.IsNullOrEmpty(message) ? null : message,
            Errors = errors,
            ErrorInfo = errorInfo,
            RetryAfter = retryAfter,
            Details = [.. anys],
        };
    }

    // A backend's hint, not a command: a malformed or absurd delay is ignored rather than failing the reply.
    private static TimeSpan? RetryDelay(RetryInfo retry)
    {
        var delay = retry.RetryDelay;
        if (delay is null || delay.Seconds < 0 || delay.Seconds > MaxRetryAfterSeconds || delay.Nanos is < 0 or > 999_999_999)
        {
            return null;
        }

        return TimeSpan.FromSeconds(delay.Seconds) + TimeSpan.FromTicks(delay.Nanos / 100);
    }

    private static bool TryUnpack<T>(Any any, out T message)
        where T : IMessage<T>, new()
    {
        try
        {
            message = any.Unpack<T>();
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            message = new T();
            return false;
        }
    }

    private static string Slug(GrpcStatusCode code) => code.ToCanonicalName().ToLowerInvariant().Replace('_', '-');
}
