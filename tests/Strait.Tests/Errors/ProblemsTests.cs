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
}
