using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Strait.Configuration;
using Strait.Configuration.Validators;
using Strait.Cors;
using Strait.Edge.Grpc;
using Strait.Hosting;

namespace Strait.Tests.Edge;

/// <summary>Edge selection by content type, grpc-web-text decoding, CORS decisions and listen URL parsing.</summary>
public sealed class EdgeProtocolTests
{
    [Theory]
    [InlineData("application/grpc", GrpcEdgeProtocol.Native)]
    [InlineData("application/grpc+proto", GrpcEdgeProtocol.Native)]
    [InlineData("application/grpc-web", GrpcEdgeProtocol.Web)]
    [InlineData("application/grpc-web+proto", GrpcEdgeProtocol.Web)]
    [InlineData("application/grpc-web-text", GrpcEdgeProtocol.WebText)]
    [InlineData("Application/GRPC-Web-Text+proto", GrpcEdgeProtocol.WebText)]
    [InlineData("application/grpcx", GrpcEdgeProtocol.None)]
    [InlineData("application/grpc-webx", GrpcEdgeProtocol.None)]
    [InlineData("application/json", GrpcEdgeProtocol.None)]
    [InlineData(null, GrpcEdgeProtocol.None)]
    public void The_content_type_picks_the_edge(string? contentType, object expectedValue)
    {
        var expected = (GrpcEdgeProtocol)expectedValue;
        Assert.Equal(expected, GrpcEdgeProtocols.Detect(contentType));
    }

    [Fact]
    public void Grpc_web_text_bodies_decode_with_padding_between_segments()
    {
        var first = Convert.ToBase64String([0, 0, 0, 0, 1, 42]);
        var second = Convert.ToBase64String(Encoding.ASCII.GetBytes("xy"));

        var decoded = Base64Segments.Decode(Encoding.ASCII.GetBytes(first + second));

        Assert.Equal(new byte[] { 0, 0, 0, 0, 1, 42, (byte)'x', (byte)'y' }, decoded);
        Assert.Null(Base64Segments.Decode("not base64!"u8));
    }

    [Fact]
    public void Cors_answers_preflights_of_allowed_origins_only_and_checks_requested_headers()
    {
        var policy = new CorsPolicy(new CorsOptions { AllowedOrigins = ["https://app.example"], AllowedHeaders = ["x-tenant"] });

        var allowed = Preflight(policy, "https://app.example", "content-type, x-grpc-web, x-tenant");
        Assert.Equal(StatusCodes.Status204NoContent, allowed.Response.StatusCode);
        Assert.Equal("https://app.example", allowed.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Contains("Origin", allowed.Response.Headers.Vary.ToString(), StringComparison.Ordinal);

        Assert.Equal(StatusCodes.Status403Forbidden, Preflight(policy, "https://evil.example", "content-type").Response.StatusCode);
        Assert.Equal(StatusCodes.Status403Forbidden, Preflight(policy, "https://app.example", "x-secret").Response.StatusCode);
    }

    [Fact]
    public void Any_origin_is_answered_with_a_star_and_responses_expose_the_grpc_headers()
    {
        var policy = new CorsPolicy(new CorsOptions { AllowedOrigins = ["*"], ExposedHeaders = ["x-server-version"] });
        var context = new DefaultHttpContext();
        context.Request.Headers.Origin = "https://anyone.example";

        policy.MarkResponse(context);

        Assert.Equal("*", context.Response.Headers.AccessControlAllowOrigin.ToString());
        var exposed = context.Response.Headers.AccessControlExposeHeaders.ToString();
        Assert.Contains("grpc-status", exposed, StringComparison.Ordinal);
        Assert.Contains("x-server-version", exposed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "gateway.example:8080", true)]
    [InlineData("https://app.example", "gateway.example:8080", true)]
    [InlineData("http://gateway.example:8080", "gateway.example:8080", true)]
    [InlineData("https://evil.example", "gateway.example:8080", false)]
    public void WebSocket_handshakes_need_no_origin_an_allowed_one_or_the_gateways_own(string? origin, string host, bool allowed)
    {
        var policy = new CorsPolicy(new CorsOptions { AllowedOrigins = ["https://app.example"] });
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }

        Assert.Equal(allowed, policy.AllowsWebSocket(context));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", false, "127.0.0.1", 8080)]
    [InlineData("https://[::1]:0", true, "[::1]", 0)]
    [InlineData("http://*:80/", false, "*", 80)]
    [InlineData("http://localhost:5000", false, "localhost", 5000)]
    public void Listen_urls_are_split_into_scheme_host_and_port(string url, bool tls, string host, int port) =>
        Assert.Equal(new ListenUrl(url, tls, host, port), ListenUrl.TryParse(url));

    [Theory]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("http://127.0.0.1:80/path")]
    [InlineData("http://[::1]")]
    public void Malformed_listen_urls_are_configuration_errors(string url) =>
        Assert.Throws<StraitConfigurationException>(() => StraitSettings.Validate(new StraitOptions { Listen = url, Backend = { Addresses = ["127.0.0.1:9"], Reflection = true } }));

    [Theory]
    [InlineData(null, false, HttpProtocols.Http1AndHttp2)]
    [InlineData(null, true, HttpProtocols.Http1)]
    [InlineData("http1AndHttp2", false, HttpProtocols.Http1AndHttp2)]
    [InlineData("http1AndHttp2", true, HttpProtocols.Http1AndHttp2)]
    [InlineData("http1", false, HttpProtocols.Http1)]
    [InlineData("http2", false, HttpProtocols.Http2)]
    public void Cleartext_listen_urls_speak_both_protocols_unless_told_otherwise(string? listenProtocols, bool tls, HttpProtocols expected)
    {
        Assert.True(ListenerValidator.TryParseProtocols(listenProtocols, out var parsed));
        Assert.Equal(expected, ListenEndpoints.Protocols(parsed, tls));
    }

    [Fact]
    public void Http1_and_http2_together_are_valid_on_cleartext_listen_urls()
    {
        var settings = StraitConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["listen"] = "http://127.0.0.1:0;https://127.0.0.1:0",
            ["listenProtocols"] = "http1AndHttp2",
            ["tls:certificate"] = "unread.pem",
            ["backend:reflection"] = "true",
            ["backend:addresses:0"] = "http://127.0.0.1:9",
        });

        Assert.Equal(ListenProtocols.Http1AndHttp2, settings.Listeners.Protocols);
        Assert.Throws<StraitConfigurationException>(() => StraitConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["listenProtocols"] = "h2c",
            ["backend:reflection"] = "true",
            ["backend:addresses:0"] = "http://127.0.0.1:9",
        }));
    }

    private static DefaultHttpContext Preflight(CorsPolicy policy, string origin, string requestHeaders)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Options;
        context.Request.Headers.Origin = origin;
        context.Request.Headers.AccessControlRequestMethod = "POST";
        context.Request.Headers.AccessControlRequestHeaders = requestHeaders;
        Assert.True(CorsPolicy.IsPreflight(context.Request));
        policy.AnswerPreflight(context);
        return context;
    }
}
