using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Strait.Samples.Hosting;
using Strait.Tests.Wire.Protos;
using Strait.Wire;
using static Strait.Tests.Wire.WireTestHost;

namespace Strait.Tests.Wire;

public sealed class ServerEndpointTests
{
    [Fact]
    public async Task Call_context_describes_the_call()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
        var context = service.LastContext!.Value;
        Assert.Equal(Method("Echo"), context.Method);
        Assert.Equal(DateTime.MaxValue, context.Deadline);
        Assert.StartsWith("ipv4:127.0.0.1:", context.Peer, StringComparison.Ordinal);
        Assert.DoesNotContain(context.RequestHeaders, entry => entry.Key is "te" or "content-type" or "user-agent" or "host");
    }

    [Theory]
    [InlineData("text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(null, HttpStatusCode.UnsupportedMediaType)]
    public async Task Mapped_method_rejects_a_non_grpc_content_type(string? contentType, HttpStatusCode expected)
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);

        using var response = await PostOverH2cAsync(new Uri(server.Address, Method("Echo")), contentType);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(0, service.Calls);
    }

    [Fact]
    public async Task Fallback_leaves_non_grpc_requests_to_unknown_paths_as_not_found()
    {
        await using var server = await StartAsync(new EchoService());

        using var json = await PostOverH2cAsync(new Uri(server.Address, "/some/page"), "application/json");
        using var grpc = await PostOverH2cAsync(new Uri(server.Address, "/other.Service/Method"), "application/grpc");

        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal(HttpStatusCode.OK, grpc.StatusCode);
        Assert.Equal("12", string.Join(",", grpc.Headers.GetValues("grpc-status")));
    }

    [Fact]
    public async Task Http1_request_gets_426()
    {
        var service = new EchoService();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1AndHttp2));
        builder.Services.AddRoutingCore();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var app = builder.Build();
        app.MapGrpcService(service.Definition);
        await app.StartAsync();
        try
        {
            using var client = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(app.Urls.First()), Method("Echo")))
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");

            using var response = await client.SendAsync(request).WaitAsync(Bound);

            Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
            Assert.Equal(0, service.Calls);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Unsupported_request_encoding_is_unimplemented()
    {
        var service = new EchoService();
        await using var server = await StartAsync(service);
        using var handler = new RecordingHandler { OnRequest = request => request.Headers.Add("grpc-encoding", "snappy") };
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { HttpHandler = handler });

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(GrpcStatusCode.Unimplemented, result.Status.Code);
        Assert.Equal(0, service.Calls);
    }

    private static async Task<HttpResponseMessage> PostOverH2cAsync(Uri uri, string? contentType)
    {
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        return await invoker.SendAsync(request, CancellationToken.None).WaitAsync(Bound);
    }
}
