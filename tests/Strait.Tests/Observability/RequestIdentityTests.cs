using Microsoft.AspNetCore.Http;
using Strait.Observability;

namespace Strait.Tests.Observability;

public sealed class RequestIdentityTests
{
    [Fact]
    public void The_trace_id_comes_from_traceparent_without_an_activity()
    {
        var identity = RequestIdentity.From(Request(("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")));

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", identity.TraceId);
    }

    [Fact]
    public void X_Trace_Id_wins_over_traceparent()
    {
        var identity = RequestIdentity.From(Request(
            ("x-trace-id", "trace-from-client"),
            ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")));

        Assert.Equal("trace-from-client", identity.TraceId);
    }

    [Theory]
    [InlineData("not-a-traceparent")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    public void AMalformedTraceparentGetsANewTraceId(string traceParent)
    {
        var identity = RequestIdentity.From(Request(("traceparent", traceParent)));

        Assert.Matches("^[0-9a-f]{32}$", identity.TraceId);
        Assert.NotEqual("00000000000000000000000000000000", identity.TraceId);
        Assert.NotEqual("0af7651916cd43dd8448eb211c80319c", identity.TraceId);
    }

    [Fact]
    public void A_sane_request_id_is_kept_and_an_unprintable_one_replaced()
    {
        Assert.Equal("req-1", RequestIdentity.From(Request(("x-request-id", "req-1"))).RequestId);
        Assert.Matches("^[0-9a-f]{32}$", RequestIdentity.From(Request(("x-request-id", "two words"))).RequestId);
    }

    private static HttpRequest Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }
}
