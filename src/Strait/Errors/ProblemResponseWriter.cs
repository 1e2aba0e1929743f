using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strait.Json;
using Strait.Observability;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Errors;

/// <summary>Writes a <see cref="Problem"/> as the response: status line, headers and body always agree.</summary>
internal sealed class ProblemResponseWriter
{
    public const string ProblemContentType = "application/problem+json";

    private readonly ErrorBodyFormat format;
    private readonly string typeBaseUri;

    /// <param name="format">Problem details or google.rpc.Status JSON.</param>
    /// <param name="typeBaseUri">Prefix of every problem <c>type</c>; the problem's slug is appended.</param>
    public ProblemResponseWriter(ErrorBodyFormat format, string typeBaseUri)
    {
        this.format = format;
        this.typeBaseUri = typeBaseUri;
    }

    public async Task WriteAsync(HttpContext context, Problem problem, RequestIdentity identity, IErrorDetailRenderer? detailRenderer)
    {
        var response = context.Response;
        response.StatusCode = problem.Status;
        if (problem.Allow.Count > 0)
        {
            response.Headers.Allow = string.Join(", ", problem.Allow);
        }

        if (problem.RetryAfter is { } retryAfter)
        {
            // Retry-After takes whole seconds; rounding up never invites a client back too early.
            var seconds = (long)Math.Ceiling(Math.Max(0, retryAfter.TotalSeconds));
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        response.Headers.CacheControl = "no-store";
        response.ContentType = format == ErrorBodyFormat.ProblemJson ? ProblemContentType : "application/json";

        var writer = new Utf8JsonWriter(response.BodyWriter, JsonWriting.Options);
        await using (writer.ConfigureAwait(false))
        {
            WriteBody(writer, problem, InstanceOf(context), identity, detailRenderer);
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The problem's <c>instance</c>: the path as the client sent it. Kestrel's <c>Request.Path</c> has dot segments
    /// removed, and a request refused for them must not name the path it did not ask for.
    /// </summary>
    public static string InstanceOf(HttpContext context) => RequestTarget.Read(context).RawPath;

    /// <summary>Writes the problem's JSON object alone, for errors inside a body already under way (a stream's last line).</summary>
    public void WriteBody(Utf8JsonWriter writer, Problem problem, string instance, RequestIdentity identity, IErrorDetailRenderer? detailRenderer)
    {
        if (format == ErrorBodyFormat.ProblemJson)
        {
            WriteProblemJson(writer, problem, instance, identity, detailRenderer);
        }
        else
        {
            WriteGoogleRpcStatus(writer, problem, detailRenderer);
        }
    }

    private void WriteProblemJson(Utf8JsonWriter writer, Problem problem, string instance, RequestIdentity identity, IErrorDetailRenderer? detailRenderer)
    {
        writer.WriteStartObject();
        writer.WriteString("type", typeBaseUri + problem.TypeSlug);
        writer.WriteString("title", problem.Title);
        writer.WriteNumber("status", problem.Status);
        if (problem.Detail is not null)
        {
            writer.WriteString("detail", ProblemText.Bound(problem.Detail));
        }

        writer.WriteString("instance", ProblemText.Bound(instance));
        writer.WriteString("grpcStatus", problem.GrpcStatus.ToCanonicalName());
        writer.WriteString("requestId", identity.RequestId);
        writer.WriteString("traceId", identity.TraceId);

        if (problem.Errors.Count > 0)
        {
            writer.WriteStartArray("errors");
            foreach (var error in problem.Errors)
            {
                writer.WriteStartObject();
                writer.WriteString("field", ProblemText.Bound(error.Field));
                writer.WriteString("description", ProblemText.Bound(error.Description));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (problem.ErrorInfo is { } info)
        {
            writer.WriteString("reason", info.Type); // field 1: "type" in this package version, "reason" in current googleapis
            if (!string.IsNullOrEmpty(info.Domain))
            {
                writer.WriteString("domain", info.Domain);
            }

            if (info.Metadata.Count > 0)
            {
                writer.WriteStartObject("metadata");
                foreach (var (key, value) in info.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }
        }

        if (problem.Details.Count > 0 && detailRenderer is not null)
        {
            WriteDetails(writer, problem, detailRenderer);
        }

        writer.WriteEndObject();
    }

    private static void WriteGoogleRpcStatus(Utf8JsonWriter writer, Problem problem, IErrorDetailRenderer? detailRenderer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("code", (int)problem.GrpcStatus);
        writer.WriteString("message", ProblemText.Bound(problem.Detail ?? problem.Title));
        if (detailRenderer is not null)
        {
            WriteDetails(writer, problem, detailRenderer);
        }
        else
        {
            writer.WriteStartArray("details");
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteDetails(Utf8JsonWriter writer, Problem problem, IErrorDetailRenderer detailRenderer)
    {
        writer.WriteStartArray("details");
        foreach (var detail in problem.Details)
        {
            detailRenderer.TryWrite(writer, detail);
        }

        writer.WriteEndArray();
    }
}
