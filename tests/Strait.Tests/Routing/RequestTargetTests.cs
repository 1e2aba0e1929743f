using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

using Strait.Routing;

namespace Strait.Tests.Routing;

public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/a/./b")]
    [InlineData("/a/../b")]
    [InlineData("/a/%2e%2E/b")]
    [InlineData("/a/%2E./b")]
    [InlineData("/a/.%2e")]
    [InlineData("/a/%2e")]
    [InlineData("/a/..")]
    [InlineData("/a/.")]
    [InlineData("/..")]
    [InlineData("/.")]
    [InlineData("/a/../")]
    [InlineData("/pkg.Service/../pkg.Service/Method")]
    public void Dot_segments_are_found_however_they_are_written(string path) =>
        Assert.True(DotSegments.Contains(path));

    [Theory]
    [InlineData("/")]
    [InlineData("/a/b")]
    [InlineData("/a/.b")]
    [InlineData("/a/..b")]
    [InlineData("/a/b..")]
    [InlineData("/a/...")]
    [InlineData("/a/%2e%2e%2e")]
    [InlineData("/a/%2e%2f..")]
    [InlineData("/a%2F..%2Fb")]
    [InlineData("/a//b")]
    [InlineData("/a/..\\b")]
    [InlineData("/a/%2")]
    [InlineData("/pkg.v1.Service/Method")]
    public void Dots_inside_a_segment_are_ordinary_characters(string path) =>
        Assert.False(DotSegments.Contains(path));

    [Theory]
    [InlineData("/v1/blobs/a?x=1", "/v1/blobs/a", "x=1", false)]
    [InlineData("/v1/blobs/../../healthz", "/v1/blobs/../../healthz", null, true)]
    [InlineData("http://gateway.test:8080/v1/../healthz?x=1", "/v1/../healthz", "x=1", true)]
    [InlineData("http://gateway.test:8080", "/", null, false)]
    [InlineData("http://gateway.test:8080?x=1", "/", "x=1", false)]
    public void The_path_is_cut_from_the_target_as_sent(string rawTarget, string rawPath, string? rawQuery, bool dotted)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        // What Kestrel makes of such targets: decoded, dot segments removed.
        context.Request.Path = "/healthz";

        var target = RequestTarget.Read(context);

        Assert.Equal(rawPath, target.RawPath);
        Assert.Equal(rawQuery, target.RawQuery);
        Assert.Equal(dotted, target.HasDotSegment);
    }

    [Theory]
    [InlineData("/heal%74hz", "/healthz")]
    [InlineData("/v%31/a%2fb%20c", "/v1/a%2Fb%20c")]
    [InlineData("/a/%zz", "/a/%zz")]
    public void The_compared_path_is_the_canonical_form_routing_matches_literals_in(string rawPath, string path) =>
        Assert.Equal(path, RequestTarget.Parse(rawPath).Path);
}
