using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Strait.Observability;

/// <summary>
/// The ids that tie one request together across the client, Strait's logs, problem details and the backend.
/// <c>X-Request-ID</c> is honoured when the client sends a sane one; the trace id follows the reference's
/// precedence: <c>X-Trace-ID</c>, then the W3C <c>traceparent</c>'s trace id, then a new id.
/// The header is read directly: Strait starts no Activity per request (see docs/benchmarks.md, per-call cost).
/// </summary>
internal sealed record RequestIdentity(string RequestId, string TraceId)
{
    public const string RequestIdHeader = "x-request-id";
    public const string TraceIdHeader = "x-trace-id";
    private const string TraceParentHeader = "traceparent";
    private const int MaxIdLength = 128;

    public static RequestIdentity From(HttpRequest request)
    {
        var requestId = Sanitize(request.Headers[RequestIdHeader]) ?? NewId();
        var traceId = Sanitize(request.Headers[TraceIdHeader])
            ?? TraceIdOf(request.Headers[TraceParentHeader])
            ?? ActivityTraceId.CreateRandom().ToHexString();
        return new RequestIdentity(requestId, traceId);
    }

    private static string? TraceIdOf(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) && context.TraceId != default
            ? context.TraceId.ToHexString()
            : null;

    private static string NewId() => Guid.NewGuid().ToString("N");

    // Ids are echoed in headers, logs and metadata: only short printable ASCII without spaces is accepted.
    private static string? Sanitize(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxIdLength)
        {
            return null;
        }

        foreach (var c in value)
        {
            if (c <= ' ' || c > '~')
            {
                return null;
            }
        }

        return value;
    }
}
