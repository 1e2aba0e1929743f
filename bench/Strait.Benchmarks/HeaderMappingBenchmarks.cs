using System.Net;
using BenchmarkDotNet.Attributes;
using Google.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Strait.Headers;
using Strait.Observability;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Benchmarks;

/// <summary>
/// The incoming header mapping of one request: 20 rules against 30 request headers, of which none, or 10, are
/// named by a rule, plus a request with no headers at all as the fixed cost (Strait's own metadata) that the
/// others add to.
/// </summary>
[MemoryDiagnoser]
public class HeaderMappingBenchmarks
{
    private const int RuleCount = 20;
    private const int HeaderCount = 30;

    private HeaderMappingPlan plan = null!;
    private RouteHeaderRules rules = null!;
    private RequestIdentity identity = null!;
    private HttpContext noHeaders = null!;
    private HttpContext noneMatch = null!;
    private HttpContext tenMatch = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new HeaderMappingOptions();
        for (var i = 0; i < RuleCount; i++)
        {
            options.Rules.Add(new HeaderRuleOptions
            {
                HttpHeader = $"X-Rule-{i}",
                GrpcMetadata = $"rule-{i}",
                Transforms = i % 4 == 0 ? ["trim", "lower"] : [],
            });
        }

        var errors = new List<string>();
        plan = HeaderMappingCompiler.TryCompile(options, new HeaderTransformRegistry(), errors)
            ?? throw new InvalidOperationException(string.Join("; ", errors));
        var method = Protos.BenchReflection.Descriptor.Services[0].FindMethodByName("GetOrder");
        var read = HttpRuleReader.Read(method, new HttpRule { Get = "/v1/orders/{id}" }, RouteSource.Config);
        rules = plan.Narrow(read.Routes[0]);
        identity = new RequestIdentity("9f2c1c0de8b84d3b9b3a2f44c1f0a7e1", "4bf92f3577b34da6a3ce929d0e0e4736");
        noHeaders = Request(0, 0);
        noneMatch = Request(HeaderCount, 0);
        tenMatch = Request(HeaderCount, 10);
    }

    [Benchmark(Baseline = true, Description = "no headers (Strait's own metadata only)")]
    public object? NoHeaders() => Map(noHeaders);

    [Benchmark(Description = "30 headers, none named by the 20 rules")]
    public object? NoneMatch() => Map(noneMatch);

    [Benchmark(Description = "30 headers, 10 named by the 20 rules")]
    public object? TenMatch() => Map(tenMatch);

    private GrpcMetadata Map(HttpContext context)
    {
        var metadata = new GrpcMetadata();
        if (IncomingHeaderMapper.Map(context.Request, "/v1/orders/42", rules, plan, identity, metadata, NullLogger.Instance) is not null)
        {
            throw new InvalidOperationException("the benchmark request was rejected");
        }

        return metadata;
    }

    // Typical browser and proxy headers first, then rule headers, then custom unmatched ones up to the count.
    private static DefaultHttpContext Request(int headers, int matched)
    {
        string[] common =
        [
            "Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Cookie", "Origin", "Referer", "User-Agent", "Sec-Fetch-Mode",
            "Sec-Fetch-Site", "Sec-Fetch-Dest", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Pragma", "Priority", "X-Amzn-Trace-Id",
            "X-Envoy-Attempt-Count", "Via", "Forwarded",
        ];
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("api.example.com");
        context.Request.Path = "/v1/orders/42";
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.3");
        var count = 1; // Host
        for (var i = 0; i < matched; i++, count++)
        {
            context.Request.Headers[$"X-Rule-{i * 2}"] = i % 2 == 0 ? " Value-" + i : "value-" + i;
        }

        for (var i = 0; count < headers; i++, count++)
        {
            context.Request.Headers[i < common.Length ? common[i] : $"X-Custom-{i}"] = "some value " + i;
        }

        return context;
    }
}
