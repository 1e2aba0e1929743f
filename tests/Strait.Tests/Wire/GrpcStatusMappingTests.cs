using Strait.Wire;

namespace Strait.Tests.Wire;

public sealed class GrpcStatusMappingTests
{
    [Theory]
    [InlineData(400, GrpcStatusCode.Internal)]
    [InlineData(401, GrpcStatusCode.Unauthenticated)]
    [InlineData(403, GrpcStatusCode.PermissionDenied)]
    [InlineData(404, GrpcStatusCode.Unimplemented)]
    [InlineData(429, GrpcStatusCode.Unavailable)]
    [InlineData(502, GrpcStatusCode.Unavailable)]
    [InlineData(503, GrpcStatusCode.Unavailable)]
    [InlineData(504, GrpcStatusCode.Unavailable)]
    [InlineData(500, GrpcStatusCode.Unknown)]
    [InlineData(302, GrpcStatusCode.Unknown)]
    [InlineData(418, GrpcStatusCode.Unknown)]
    public void Http_status_maps_per_the_grpc_table(int httpStatus, object expectedValue)
    {
        var expected = (GrpcStatusCode)expectedValue;
        Assert.Equal(expected, HttpStatusToGrpcCode.Map(httpStatus));
    }

    [Theory]
    [InlineData(GrpcStatusCode.Ok, "OK")]
    [InlineData(GrpcStatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    [InlineData(GrpcStatusCode.FailedPrecondition, "FAILED_PRECONDITION")]
    [InlineData(GrpcStatusCode.Unauthenticated, "UNAUTHENTICATED")]
    [InlineData((GrpcStatusCode)99, "UNKNOWN")]
    public void Codes_have_canonical_names(object codeValue, string expected)
    {
        var code = (GrpcStatusCode)codeValue;
        Assert.Equal(expected, code.ToCanonicalName());
    }

    [Fact]
    public void Every_code_has_the_wire_number_of_the_spec()
    {
        Assert.Equal(17, Enum.GetValues<GrpcStatusCode>().Length);
        Assert.Equal(4, (int)GrpcStatusCode.DeadlineExceeded);
        Assert.Equal(14, (int)GrpcStatusCode.Unavailable);
        Assert.Equal(16, (int)GrpcStatusCode.Unauthenticated);
    }

    [Theory]
    [InlineData("0", true, GrpcStatusCode.Ok)]
    [InlineData("14", true, GrpcStatusCode.Unavailable)]
    [InlineData("17", true, GrpcStatusCode.Unknown)]
    [InlineData("", false, GrpcStatusCode.Unknown)]
    [InlineData("abc", false, GrpcStatusCode.Unknown)]
    [InlineData("-1", false, GrpcStatusCode.Unknown)]
    public void Wire_status_values_parse(string value, bool valid, object expectedValue)
    {
        var expected = (GrpcStatusCode)expectedValue;
        Assert.Equal(valid, GrpcStatusCodeNames.TryParseWireValue(value, out var code));
        Assert.Equal(expected, code);
    }
}
