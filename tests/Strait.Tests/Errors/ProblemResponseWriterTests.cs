using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Strait.Errors;
using Strait.Observability;
using Strait.Wire;

namespace Strait.Tests.Errors;

public sealed class ProblemResponseWriterTests
{
    private const string TypeBase = "https://errors.example/";

    private static readonly RequestIdentity Identity = new("req-1", "trace-1");

    [Fact]
    public async Task A_problem_json_answer_carries_the_status_headers_and_every_member()
    {
        var problem = new Problem(405, "method-not-allowed", "Method Not Allowed", GrpcStatusCode.Unimplemented)
        {
            Detail = "no",
            Allow = ["GET", "POST"],
            RetryAfter = TimeSpan.FromMilliseconds(1200),
            Errors = [new ProblemFieldError("a.b", "too short"), new ProblemFieldError("c", "bad")],
        };

        var (response, body) = await WriteAsync(ErrorBodyFormat.ProblemJson, problem, "/v1/x%2Fy");

        Assert.Equal(405, response.StatusCode);
        Assert.Equal("GET, POST", response.Headers.Allow.ToString());
        Assert.Equal("2", response.Headers.RetryAfter.ToString()); // 1.2 s rounds up, never down
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal(
            """{"type":"https://errors.example/method-not-allowed","title":"Method Not Allowed","status":405,"detail":"no","instance":"/v1/x%2Fy","grpcStatus":"UNIMPLEMENTED","requestId":"req-1","traceId":"trace-1","errors":[{"field":"a.b","description":"too short"},{"field":"c","description":"bad"}]}""",
            body);
    }

    [Fact]
    public async Task A_problem_without_detail_errors_allow_or_retry_after_leaves_them_out()
    {
        var (response, body) = await WriteAsync(ErrorBodyFormat.ProblemJson, new Problem(404, "route-not-found", "Route Not Found", GrpcStatusCode.NotFound), "/a");

        Assert.False(response.Headers.ContainsKey("Allow"));
        Assert.False(response.Headers.ContainsKey("Retry-After"));
        Assert.Equal(
            """{"type":"https://errors.example/route-not-found","title":"Route Not Found","status":404,"instance":"/a","grpcStatus":"NOT_FOUND","requestId":"req-1","traceId":"trace-1"}""",
            body);
    }

    [Fact]
    public async Task Error_info_becomes_reason_domain_and_metadata_sorted_by_key()
    {
        var info = new ErrorInfo { Type = "QUOTA", Domain = "example.com" };
        info.Metadata.Add("zone", "eu");
        info.Metadata.Add("limit", "10");
        var problem = new Problem(429, "resource-exhausted", "Resource Exhausted", GrpcStatusCode.ResourceExhausted) { ErrorInfo = info };

        var (_, body) = await WriteAsync(ErrorBodyFormat.ProblemJson, problem, "/a");

        Assert.EndsWith(""","reason":"QUOTA","domain":"example.com","metadata":{"limit":"10","zone":"eu"}}""", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_info_without_domain_or_metadata_has_the_reason_alone()
    {
        var problem = new Problem(429, "resource-exhausted", "Resource Exhausted", GrpcStatusCode.ResourceExhausted) { ErrorInfo = new ErrorInfo { Type = "QUOTA" } };

        var (_, body) = await WriteAsync(ErrorBodyFormat.ProblemJson, problem, "/a");

        Assert.EndsWith(""","traceId":"trace-1","reason":"QUOTA"}""", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problem_json_renders_details_only_when_there_are_some_and_a_renderer()
    {
        var withDetails = new Problem(400, "invalid-argument", "Invalid Argument", GrpcStatusCode.InvalidArgument) { Details = [Any.Pack(new ErrorInfo { Type = "A" })] };
        var renderer = new NamingRenderer();

        var (_, rendered) = await WriteAsync(ErrorBodyFormat.ProblemJson, withDetails, "/a", renderer);
        var (_, noRenderer) = await WriteAsync(ErrorBodyFormat.ProblemJson, withDetails, "/a");
        var (_, noDetails) = await WriteAsync(ErrorBodyFormat.ProblemJson, withDetails with { Details = [] }, "/a", renderer);

        Assert.EndsWith(""","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo"}]}""", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("details", noRenderer, StringComparison.Ordinal);
        Assert.DoesNotContain("details", noDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Google_rpc_status_is_code_message_and_details_as_plain_json()
    {
        var problem = new Problem(429, "resource-exhausted", "Resource Exhausted", GrpcStatusCode.ResourceExhausted)
        {
            Detail = "slow down",
            Details = [Any.Pack(new RetryInfo())],
        };

        var (response, rendered) = await WriteAsync(ErrorBodyFormat.GoogleRpcStatus, problem, "/a", new NamingRenderer());
        var (_, noRenderer) = await WriteAsync(ErrorBodyFormat.GoogleRpcStatus, problem, "/a");

        Assert.Equal(429, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("""{"code":8,"message":"slow down","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo"}]}""", rendered);
        Assert.Equal("""{"code":8,"message":"slow down","details":[]}""", noRenderer);
    }

    [Fact]
    public async Task Google_rpc_status_without_detail_takes_the_title_as_message()
    {
        var (_, body) = await WriteAsync(ErrorBodyFormat.GoogleRpcStatus, new Problem(404, "route-not-found", "Route Not Found", GrpcStatusCode.NotFound), "/a");

        Assert.Equal("""{"code":5,"message":"Route Not Found","details":[]}""", body);
    }

    [Fact]
    public async Task Echoed_text_is_bounded_in_detail_instance_and_field_errors()
    {
        var longText = new string('x', 5000);
        var problem = Problems.InvalidRequest(longText, longText);

        var (_, body) = await WriteAsync(ErrorBodyFormat.ProblemJson, problem, "/" + longText);

        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal(ProblemText.MaxLength, root.GetProperty("detail").GetString()!.Length);
        Assert.Equal(ProblemText.MaxLength, root.GetProperty("instance").GetString()!.Length);
        var error = root.GetProperty("errors")[0];
        Assert.Equal(ProblemText.MaxLength, error.GetProperty("field").GetString()!.Length);
        Assert.Equal(ProblemText.MaxLength, error.GetProperty("description").GetString()!.Length);
    }

    private static async Task<(HttpResponse Response, string Body)> WriteAsync(ErrorBodyFormat format, Problem problem, string rawTarget, IErrorDetailRenderer? renderer = null)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        var body = new MemoryStream();
        context.Response.Body = body;

        await new ProblemResponseWriter(format, TypeBase).WriteAsync(context, problem, Identity, renderer);
        await context.Response.BodyWriter.FlushAsync();

        return (context.Response, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>Writes each detail as its type alone: enough to see which details were rendered, and where.</summary>
    private sealed class NamingRenderer : IErrorDetailRenderer
    {
        public bool TryWrite(Utf8JsonWriter writer, Any detail)
        {
            writer.WriteStartObject();
            writer.WriteString("@type", detail.TypeUrl);
            writer.WriteEndObject();
            return true;
        }
    }
}
