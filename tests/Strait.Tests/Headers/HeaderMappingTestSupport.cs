using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Strait.Errors;
using Strait.Headers;
using Strait.Observability;
using Strait.Routing;
using Strait.Wire;
using static Strait.Tests.Support.RoutingFixtures;

namespace Strait.Tests.Headers;

/// <summary>Requests, routes and plans for the mapper tests, without a server.</summary>
internal static class HeaderMappingTestSupport
{
    public static HttpRoute CreateUser { get; } = Route("POST", "/v1/users", TodoMethod("CreateTodo"), body: "*");

    public static HeaderMappingPlan Plan(params HeaderRuleOptions[] rules) => Plan(new HeaderMappingOptions { Rules = [.. rules] });

    public static HeaderMappingPlan Plan(HeaderMappingOptions options) => Compile(options, new HeaderTransformRegistry());

    /// <summary>The plan of options that must compile; a test with errors fails naming them.</summary>
    public static HeaderMappingPlan Compile(HeaderMappingOptions options, HeaderTransformRegistry transforms)
    {
        var errors = new List<string>();
        var plan = HeaderMappingCompiler.TryCompile(options, transforms, errors);
        Assert.True(plan is not null, string.Join(Environment.NewLine, errors));
        return plan;
    }

    public static DefaultHttpContext Request(params (string Name, string Value)[] headers) => Request("/v1/users", headers);

    public static DefaultHttpContext Request(string path, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("gateway.test:8080");
        context.Request.Path = path;
        context.Request.Protocol = "HTTP/1.1";
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.7");
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = StringValues.Concat(context.Request.Headers[name], value);
        }

        return context;
    }

    public static (GrpcMetadata Metadata, Problem? Problem) MapIncoming(HeaderMappingPlan plan, HttpContext context, HttpRoute? route = null)
    {
        var metadata = new GrpcMetadata();
        var identity = new RequestIdentity("req-test", "trace-test");
        var problem = IncomingHeaderMapper.Map(context.Request, RequestTarget.Read(context).Path, plan.Narrow(route ?? CreateUser), plan, identity, metadata, NullLogger.Instance);
        return (metadata, problem);
    }

    public static (GrpcMetadata Metadata, Problem? Problem) MapVerbatim(HeaderMappingPlan plan, HttpContext context)
    {
        var metadata = new GrpcMetadata();
        var problem = IncomingHeaderMapper.MapVerbatim(context.Request, plan, new RequestIdentity("req-test", "trace-test"), metadata);
        return (metadata, problem);
    }

    public static string? Single(this GrpcMetadata metadata, string key) =>
        metadata.GetValues(key) switch
        {
            [] => null,
            [var only] => only,
            var many => throw new InvalidOperationException($"{key} has {many.Count} values: {string.Join(", ", many)}"),
        };

    /// <summary>A response that can take trailers, as Kestrel's HTTP/2 responses can.</summary>
    public static DefaultHttpContext Http2Request(bool teTrailers)
    {
        var context = Request();
        context.Request.Protocol = "HTTP/2";
        if (teTrailers)
        {
            context.Request.Headers.TE = "trailers";
        }

        context.Features.Set<IHttpResponseTrailersFeature>(new TrailersFeature());
        return context;
    }

    public static GrpcMetadata Metadata(params (string Key, string Value)[] entries)
    {
        var metadata = new GrpcMetadata();
        foreach (var (key, value) in entries)
        {
            metadata.Add(key, value);
        }

        return metadata;
    }

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }
}
