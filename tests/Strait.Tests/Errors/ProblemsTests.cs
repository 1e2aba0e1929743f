using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Strait.Errors;
using Strait.Wire;

namespace Strait.Tests.Errors;

public sealed class ProblemsTests
{
    [Theory]
    [InlineData(GrpcStatusCode.Ok, 200)]
    [InlineData(GrpcStatusCode.Cancelled, 499)]
    [InlineData(GrpcStatusCode.Unknown, 500)]
    [InlineData(GrpcStatusCode.InvalidArgument, 400)]
    [InlineData(GrpcStatusCode.DeadlineExceeded, 504)]
    [InlineData(GrpcStatusCode.NotFound, 404)]
    [InlineData(GrpcStatusCode.AlreadyExists, 409)]
    [InlineData(GrpcStatusCode.PermissionDenied, 403)]
    [InlineData(GrpcStatusCode.ResourceExhausted, 429)]
    [InlineData(GrpcStatusCode.FailedPrecondition, 400)]
    [InlineData(GrpcStatusCode.Aborted, 409)]
    [InlineData(GrpcStatusCode.OutOfRange, 400)]
    [InlineData(GrpcStatusCode.Unimplemented, 501)]
    [InlineData(GrpcStatusCode.Internal, 500)]
    [InlineData(GrpcStatusCode.Unavailable, 503)]
    [InlineData(GrpcStatusCode.DataLoss, 500)]
    [InlineData(GrpcStatusCode.Unauthenticated, 401)]
    [InlineData((GrpcStatusCode)42, 500)]
    public void Backend_codes_map_per_code_proto(object codeValue, int http)
    {
        var code = (GrpcStatusCode)codeValue;
        var problem = Problems.FromStatus(new GrpcStatus(code, "m"));

        Assert.Equal(http, problem.Status);
        Assert.Equal(http, GrpcHttpStatusMap.ToHttpStatus(code));
        Assert.Equal("m", problem.Detail);
    }

    [Fact]
    public void Transport_failure_is_503_and_hides_the_cause()
    {
        var problem = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Unavailable, "connect to 10.1.2.3:50051 refused", origin: StatusOrigin.Transport));

        Assert.Equal(503, problem.Status);
        Assert.Equal("upstream-unavailable", problem.TypeSlug);
        Assert.DoesNotContain("10.1.2.3", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GrpcStatusCode.Internal)]
    [InlineData(GrpcStatusCode.Unknown)]
    [InlineData(GrpcStatusCode.Unavailable)]
    public void Protocol_violation_is_502_whatever_the_code(object codeValue)
    {
        var code = (GrpcStatusCode)codeValue;
        var problem = Problems.FromStatus(new GrpcStatus(code, "upstream answered HTTP 503 (content-type text/html)", origin: StatusOrigin.Protocol));

        Assert.Equal(502, problem.Status);
        Assert.Equal("bad-upstream-response", problem.TypeSlug);
        Assert.DoesNotContain("text/html", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_deadline_is_504_and_local_cancel_is_499()
    {
        Assert.Equal(504, Problems.FromStatus(new GrpcStatus(GrpcStatusCode.DeadlineExceeded, origin: StatusOrigin.Local)).Status);
        Assert.Equal(499, Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Cancelled, origin: StatusOrigin.Local)).Status);
    }

    [Fact]
    public void Details_become_errors_error_info_and_retry_after()
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "a.b", Description = "too short" });
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "c[1]", Description = "bad" });
        var info = new ErrorInfo { Type = "QUOTA", Domain = "example.com" };
        var retry = new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)) };
        var status = new Google.Rpc.Status { Code = 8, Message = "slow down" };
        status.Details.Add(Any.Pack(badRequest));
        status.Details.Add(Any.Pack(info));
        status.Details.Add(Any.Pack(retry));

        var problem = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.ResourceExhausted, "slow down", status));

        Assert.Equal(429, problem.Status);
        Assert.Equal([new ProblemFieldError("a.b", "too short"), new ProblemFieldError("c[1]", "bad")], problem.Errors);
        Assert.Equal("QUOTA", problem.ErrorInfo!.Type);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), problem.RetryAfter);
        Assert.Equal(3, problem.Details.Count);
    }

    [Theory]
    [InlineData(long.MaxValue, 0)]
    [InlineData(1, -5)]
    [InlineData(-3, 0)]
    public void Absurd_retry_delay_is_ignored_not_fatal(long seconds, int nanos)
    {
        var status = new Google.Rpc.Status { Code = 14 };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = new Duration { Seconds = seconds, Nanos = nanos } }));

        var problem = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Unavailable, "later", status));

        Assert.Equal(503, problem.Status);
        Assert.Null(problem.RetryAfter);
    }

    [Fact]
    public void Undecodable_detail_is_kept_for_rendering_but_not_interpreted()
    {
        var status = new Google.Rpc.Status { Code = 3 };
        status.Details.Add(new Any { TypeUrl = "type.googleapis.com/google.rpc.BadRequest", Value = Google.Protobuf.ByteString.CopyFrom(0x0A, 0x7F) });

        var problem = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.InvalidArgument, "bad", status));

        Assert.Empty(problem.Errors);
        Assert.Single(problem.Details);
    }

    public static TheoryData<object, int, string, string, object, string> GatewayProblems() => new()
    {
        { Problems.RouteNotFound("GET", "/v1/x"), 404, "route-not-found", "Route Not Found", GrpcStatusCode.NotFound, "/v1/x" },
        { Problems.MethodNotAllowed("PUT", "/v1/x", ["GET", "POST"]), 405, "method-not-allowed", "Method Not Allowed", GrpcStatusCode.Unimplemented, "GET, POST" },
        { Problems.DotSegment(), 400, "dot-segment", "Dot Segment in Path", GrpcStatusCode.InvalidArgument, "'..'" },
        { Problems.InvalidRequest("bad JSON"), 400, "invalid-request", "Invalid Request", GrpcStatusCode.InvalidArgument, "bad JSON" },
        { Problems.InvalidHeader("x-a", "not ASCII"), 400, "invalid-header", "Invalid Request Header", GrpcStatusCode.InvalidArgument, "not ASCII" },
        { Problems.MissingHeader("x-tenant"), 400, "missing-header", "Missing Request Header", GrpcStatusCode.InvalidArgument, "'x-tenant'" },
        { Problems.TooManyHeaders(70, 64), 431, "request-header-fields-too-large", "Request Header Fields Too Large", GrpcStatusCode.InvalidArgument, "at most 64" },
        { Problems.MetadataTooLarge(9000, 8192), 400, "metadata-too-large", "Request Metadata Too Large", GrpcStatusCode.InvalidArgument, "at most 8192" },
        { Problems.MissingResponseMetadata("x-version"), 502, "bad-upstream-response", "Bad Gateway", GrpcStatusCode.Internal, "'x-version'" },
        { Problems.NoEndpoint("orders"), 503, "no-upstream-endpoint", "Service Unavailable", GrpcStatusCode.Unavailable, "'orders'" },
        { Problems.IdempotencyKeyReused("Idempotency-Key"), 422, "idempotency-key-reused", "Idempotency Key Reused", GrpcStatusCode.FailedPrecondition, "different request" },
        { Problems.IdempotencyKeyInFlight("Idempotency-Key", TimeSpan.FromSeconds(2.5)), 409, "idempotency-key-in-use", "Idempotency Key In Use", GrpcStatusCode.Aborted, "2.5 s" },
        { Problems.IdempotencyStoreUnavailable(), 503, "idempotency-store-unavailable", "Service Unavailable", GrpcStatusCode.Unavailable, "Idempotency-Key" },
        { Problems.RateLimited("per-client", TimeSpan.FromSeconds(3)), 429, "rate-limited", "Too Many Requests", GrpcStatusCode.ResourceExhausted, "'per-client'" },
        { Problems.UpstreamOverloaded("orders", TimeSpan.FromSeconds(1)), 503, "upstream-overloaded", "Service Unavailable", GrpcStatusCode.Unavailable, "'orders'" },
        { Problems.OriginNotAllowed("https://evil.example"), 403, "origin-not-allowed", "Forbidden", GrpcStatusCode.PermissionDenied, "'https://evil.example'" },
        { Problems.TooManyStreams(4, perClient: true), 429, "too-many-streams", "Too Many Requests", GrpcStatusCode.ResourceExhausted, "This client has 4 streams" },
        { Problems.TooManyStreams(100, perClient: false), 503, "too-many-streams", "Service Unavailable", GrpcStatusCode.ResourceExhausted, "The gateway has 100 streams" },
        { Problems.ApiDocumentForbidden(), 403, "api-document-forbidden", "Forbidden", GrpcStatusCode.PermissionDenied, "openApi.allowedNetworks" },
        { Problems.PayloadTooLarge(1024), 413, "payload-too-large", "Payload Too Large", GrpcStatusCode.InvalidArgument, "1024 bytes" },
        { Problems.UnreadableBody(400), 400, "unreadable-body", "Unreadable Request Body", GrpcStatusCode.InvalidArgument, "could not be read" },
        { Problems.UnreadableBody(408), 408, "unreadable-body", "Unreadable Request Body", GrpcStatusCode.InvalidArgument, "too slowly" },
        { Problems.UnreadableBody(413), 413, "unreadable-body", "Unreadable Request Body", GrpcStatusCode.InvalidArgument, "could not be read" },
        { Problems.UnreadableBody(500), 400, "unreadable-body", "Unreadable Request Body", GrpcStatusCode.InvalidArgument, "could not be read" },
        { Problems.RequestBodyIdle(TimeSpan.FromMilliseconds(1500)), 408, "unreadable-body", "Unreadable Request Body", GrpcStatusCode.InvalidArgument, "1.5 s" },
        { Problems.UnsupportedMediaType("text/plain"), 415, "unsupported-media-type", "Unsupported Media Type", GrpcStatusCode.InvalidArgument, "'text/plain'" },
        { Problems.Internal(), 500, "internal-error", "Internal Error", GrpcStatusCode.Internal, "unexpected" },
    };

    // The slugs are the documented problem types (docs/errors.md); the detail names what the client has to change.
    [Theory]
    [MemberData(nameof(GatewayProblems))]
    public void Each_gateway_problem_has_its_documented_status_type_title_and_code(object problemValue, int status, string slug, string title, object codeValue, string detailNames)
    {
        var (problem, code) = ((Problem)problemValue, (GrpcStatusCode)codeValue);
        Assert.Equal(status, problem.Status);
        Assert.Equal(slug, problem.TypeSlug);
        Assert.Equal(title, problem.Title);
        Assert.Equal(code, problem.GrpcStatus);
        Assert.Contains(detailNames, problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(GatewayProblems))]
    public void Each_gateway_problem_is_listed_in_docs_errors_md_with_its_status(object problemValue, int status, string slug, string title, object codeValue, string detailNames)
    {
        _ = (problemValue, title, codeValue, detailNames);
        // The table's rows: | `slug` | 429, 503 | when |
        var rows = File.ReadLines(Path.Combine(RepositoryPaths.Root, "docs", "errors.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(cells => cells[1].Trim('`'), cells => cells[2]);

        Assert.True(rows.TryGetValue(slug, out var statuses), $"docs/errors.md has no row for `{slug}`");
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), statuses.Split(", "));
    }

    [Fact]
    public void Field_problems_name_the_field_and_default_its_description_to_the_detail()
    {
        Assert.Empty(Problems.InvalidRequest("bad").Errors);
        Assert.Equal([new ProblemFieldError("a.b", "bad")], Problems.InvalidRequest("bad", "a.b").Errors);
        Assert.Equal([new ProblemFieldError("a.b", "too long")], Problems.InvalidRequest("bad", "a.b", "too long").Errors);
        Assert.Equal([new ProblemFieldError("x-a", "not ASCII")], Problems.InvalidHeader("x-a", "not ASCII").Errors);
        Assert.Equal([new ProblemFieldError("x-tenant", "is required")], Problems.MissingHeader("x-tenant").Errors);
        Assert.Equal([new ProblemFieldError("Idempotency-Key", "was used for a different request")], Problems.IdempotencyKeyReused("Idempotency-Key").Errors);
        Assert.Equal(["GET", "POST"], Problems.MethodNotAllowed("PUT", "/v1/x", ["GET", "POST"]).Allow);
    }

    [Theory]
    [InlineData(GrpcStatusCode.Ok, "OK")]
    [InlineData(GrpcStatusCode.Cancelled, "Cancelled")]
    [InlineData(GrpcStatusCode.Unknown, "Unknown Error")]
    [InlineData(GrpcStatusCode.InvalidArgument, "Invalid Argument")]
    [InlineData(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded")]
    [InlineData(GrpcStatusCode.NotFound, "Not Found")]
    [InlineData(GrpcStatusCode.AlreadyExists, "Already Exists")]
    [InlineData(GrpcStatusCode.PermissionDenied, "Permission Denied")]
    [InlineData(GrpcStatusCode.ResourceExhausted, "Resource Exhausted")]
    [InlineData(GrpcStatusCode.FailedPrecondition, "Failed Precondition")]
    [InlineData(GrpcStatusCode.Aborted, "Aborted")]
    [InlineData(GrpcStatusCode.OutOfRange, "Out Of Range")]
    [InlineData(GrpcStatusCode.Unimplemented, "Not Implemented")]
    [InlineData(GrpcStatusCode.Internal, "Internal Error")]
    [InlineData(GrpcStatusCode.Unavailable, "Service Unavailable")]
    [InlineData(GrpcStatusCode.DataLoss, "Data Loss")]
    [InlineData(GrpcStatusCode.Unauthenticated, "Unauthenticated")]
    [InlineData((GrpcStatusCode)42, "Unknown Error")]
    public void A_backend_status_is_titled_after_its_code_and_typed_by_its_name(object codeValue, string title)
    {
        var code = (GrpcStatusCode)codeValue;
        var problem = Problems.FromStatus(new GrpcStatus(code, "m"));

        Assert.Equal(title, problem.Title);
        Assert.Equal(code.ToCanonicalName().ToLowerInvariant().Replace('_', '-'), problem.TypeSlug);
    }

    [Fact]
    public void Gateway_statuses_say_what_happened_without_the_upstreams_words()
    {
        var transport = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Unavailable, "refused", origin: StatusOrigin.Transport));
        var protocol = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Unknown, "text/html", origin: StatusOrigin.Protocol));
        var deadline = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "timer", origin: StatusOrigin.Local));
        var cancelled = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Cancelled, "token", origin: StatusOrigin.Local));

        Assert.Equal(("Service Unavailable", GrpcStatusCode.Unavailable), (transport.Title, transport.GrpcStatus));
        Assert.Contains("unavailable", transport.Detail, StringComparison.Ordinal);
        Assert.Equal(("Bad Gateway", GrpcStatusCode.Unknown), (protocol.Title, protocol.GrpcStatus));
        Assert.Contains("not valid gRPC", protocol.Detail, StringComparison.Ordinal);
        Assert.Equal(("deadline-exceeded", "Deadline Exceeded", GrpcStatusCode.DeadlineExceeded), (deadline.TypeSlug, deadline.Title, deadline.GrpcStatus));
        Assert.Contains("deadline", deadline.Detail, StringComparison.Ordinal);
        Assert.Equal(("cancelled", "Cancelled"), (cancelled.TypeSlug, cancelled.Title));
        Assert.Contains("cancelled", cancelled.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_edge_status_keeps_its_own_message()
    {
        var problem = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.InvalidArgument, "bad frame", origin: StatusOrigin.Edge));

        Assert.Equal((400, "invalid-argument", "bad frame"), (problem.Status, problem.TypeSlug, problem.Detail));
    }

    [Fact]
    public void A_backend_status_without_message_has_no_detail()
    {
        Assert.Null(Problems.FromStatus(new GrpcStatus(GrpcStatusCode.NotFound, "")).Detail);
    }

    [Fact]
    public void The_first_error_info_and_retry_info_win()
    {
        var status = new Google.Rpc.Status { Code = 8 };
        status.Details.Add(Any.Pack(new ErrorInfo { Type = "FIRST" }));
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = new Duration { Seconds = 1 } }));
        status.Details.Add(Any.Pack(new ErrorInfo { Type = "SECOND" }));
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = new Duration { Seconds = 2 } }));

        var problem = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.ResourceExhausted, "m", status));

        Assert.Equal("FIRST", problem.ErrorInfo!.Type);
        Assert.Equal(TimeSpan.FromSeconds(1), problem.RetryAfter);
    }

    [Theory]
    [InlineData(0, 500_000_000, 5_000_000)]
    [InlineData(86_400, 0, 864_000_000_000)]
    [InlineData(0, 999_999_999, 9_999_999)]
    public void Retry_delays_at_the_edges_of_the_accepted_range_are_kept(long seconds, int nanos, long ticks)
    {
        var status = new Google.Rpc.Status { Code = 14 };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = new Duration { Seconds = seconds, Nanos = nanos } }));

        var problem = Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Unavailable, "later", status));

        Assert.Equal(TimeSpan.FromTicks(ticks), problem.RetryAfter);
    }

    [Theory]
    [InlineData(86_401, 0)]
    [InlineData(0, 1_000_000_000)]
    public void Retry_delays_past_a_day_or_with_too_many_nanos_are_ignored(long seconds, int nanos)
    {
        var status = new Google.Rpc.Status { Code = 14 };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = new Duration { Seconds = seconds, Nanos = nanos } }));

        Assert.Null(Problems.FromStatus(new GrpcStatus(GrpcStatusCode.Unavailable, "later", status)).RetryAfter);
    }

    [Fact]
    public void An_undecodable_error_info_is_not_reported_as_an_empty_one()
    {
        var status = new Google.Rpc.Status { Code = 3 };
        status.Details.Add(new Any { TypeUrl = "type.googleapis.com/google.rpc.ErrorInfo", Value = Google.Protobuf.ByteString.CopyFrom(0x0A, 0x7F) });

        Assert.Null(Problems.FromStatus(new GrpcStatus(GrpcStatusCode.InvalidArgument, "bad", status)).ErrorInfo);
    }
}
