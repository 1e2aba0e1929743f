using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Strait.Samples.Hosting;
using Strait.Tests.Wire.Protos;
using Strait.Wire;
using static Strait.Tests.Wire.WireTestHost;

namespace Strait.Tests.Wire;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task Refused_connection_is_unavailable_transport_with_a_safe_message()
    {
        using var client = new GrpcClient(new Uri($"http://127.0.0.1:{GetUnusedPort()}"));

        using var result = await CallAsync(client, "Echo", new EchoRequest());
        await using var call = client.StartCall(Method("Echo"));
        var headers = await call.ResponseHeadersAsync.WaitAsync(Bound);

        Assert.Equal(GrpcStatusCode.Unavailable, result.Status.Code);
        Assert.Equal(StatusOrigin.Transport, result.Status.Origin);
        Assert.Equal("Could not connect to the upstream.", result.Status.Message);
        Assert.NotNull(result.Status.DebugException);
        Assert.Empty(headers);
        Assert.False(await call.MoveNextAsync());
        Assert.Equal(StatusOrigin.Transport, call.GetStatus().Origin);
    }

    [Fact]
    public async Task Html_error_page_maps_its_http_status()
    {
        await using var upstream = await StartRawUpstreamAsync(async context =>
        {
            context.Response.StatusCode = 503;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>maintenance</html>");
        });
        using var client = new GrpcClient(upstream.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(GrpcStatusCode.Unavailable, result.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, result.Status.Origin);
        Assert.Equal("upstream answered HTTP 503 (content-type text/html)", result.Status.Message);
    }

    [Theory]
    [InlineData(401, GrpcStatusCode.Unauthenticated)]
    [InlineData(404, GrpcStatusCode.Unimplemented)]
    [InlineData(500, GrpcStatusCode.Unknown)]
    public async Task Non_200_without_grpc_status_uses_the_mapping_table(int httpStatus, object expectedValue)
    {
        var expected = (GrpcStatusCode)expectedValue;
        await using var upstream = await StartRawUpstreamAsync(context =>
        {
            context.Response.StatusCode = httpStatus;
            return Task.CompletedTask;
        });
        using var client = new GrpcClient(upstream.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(expected, result.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, result.Status.Origin);
    }

    [Fact]
    public async Task Grpc_status_in_headers_wins_over_the_http_status()
    {
        await using var upstream = await StartRawUpstreamAsync(context =>
        {
            context.Response.StatusCode = 404;
            context.Response.Headers["grpc-status"] = "7";
            context.Response.Headers["grpc-message"] = "no%20access";
            return Task.CompletedTask;
        });
        using var client = new GrpcClient(upstream.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(GrpcStatusCode.PermissionDenied, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
        Assert.Equal("no access", result.Status.Message);
    }

    [Fact]
    public async Task Json_answer_is_unknown_protocol()
    {
        await using var upstream = await StartRawUpstreamAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{}");
        });
        using var client = new GrpcClient(upstream.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());
        await using var call = client.StartCall(Method("Echo"));
        await call.CompleteRequestAsync();

        Assert.Equal(GrpcStatusCode.Unknown, result.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, result.Status.Origin);
        Assert.Contains("application/json", result.Status.Message, StringComparison.Ordinal);
        Assert.False(await call.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(GrpcStatusCode.Unknown, call.GetStatus().Code);
    }

    public static TheoryData<string, byte[], bool> MalformedGrpcBodies => new()
    {
        { "invalid compressed flag", [7, 0, 0, 0, 1, 42], true },
        { "truncated frame", [0, 0, 0, 0, 10, 1, 2, 3], true },
        { "valid frame but no trailers", [0, 0, 0, 0, 1, 42], false },
        { "OK without a message", [], true },
        { "two messages for a unary call", [0, 0, 0, 0, 1, 42, 0, 0, 0, 0, 1, 43], true },
    };

    [Theory]
    [MemberData(nameof(MalformedGrpcBodies))]
    public async Task Malformed_grpc_answer_is_internal_protocol(string description, byte[] body, bool sendOkTrailer)
    {
        await using var upstream = await StartRawUpstreamAsync(async context =>
        {
            context.Response.ContentType = "application/grpc";
            await context.Response.StartAsync();
            await context.Response.Body.WriteAsync(body);
            if (sendOkTrailer)
            {
                context.Response.AppendTrailer("grpc-status", "0");
            }
        });
        using var client = new GrpcClient(upstream.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.True(result.Status.Code == GrpcStatusCode.Internal, $"{description}: {result.Status}");
        Assert.Equal(StatusOrigin.Protocol, result.Status.Origin);
        Assert.True(result.Message.IsEmpty);
    }

    [Fact]
    public async Task Unparseable_status_details_are_ignored()
    {
        await using var upstream = await StartRawUpstreamAsync(context =>
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "5";
            context.Response.Headers["grpc-message"] = "gone%20away";
            context.Response.Headers["grpc-status-details-bin"] = "not*base64";
            return Task.CompletedTask;
        });
        using var client = new GrpcClient(upstream.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(GrpcStatusCode.NotFound, result.Status.Code);
        Assert.Equal(StatusOrigin.Backend, result.Status.Origin);
        Assert.Equal("gone away", result.Status.Message);
        Assert.Null(result.Status.Details);
    }

    [Fact]
    public async Task Http1_only_upstream_is_internal_protocol()
    {
        await using var upstream = await StartHttp1UpstreamAsync();
        using var client = new GrpcClient(upstream.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(GrpcStatusCode.Internal, result.Status.Code);
        Assert.Equal(StatusOrigin.Protocol, result.Status.Origin);
        Assert.Equal("The HTTP/2 exchange with the upstream failed (HTTP_1_1_REQUIRED).", result.Status.Message);
    }

    [Fact]
    public async Task A_reply_announcing_a_message_it_does_not_send_draws_on_the_process_budget_until_the_call_ends()
    {
        // An odd size no other test announces: the process budget is shared with tests running beside this one.
        const int declared = 3_999_997;
        await using var upstream = await StartRawUpstreamAsync(async context =>
        {
            context.Response.ContentType = "application/grpc";
            var header = new byte[GrpcFrameWriter.HeaderLength];
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), declared);
            await context.Response.Body.WriteAsync(header);
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var client = new GrpcClient(upstream.Address);
        using var cancellation = new CancellationTokenSource();

        var reply = CallAsync(client, "Echo", new EchoRequest(), cancellationToken: cancellation.Token);
        await WaitUntilAsync(() => ReceiveBudget.Process.Reserved >= declared);
        await cancellation.CancelAsync();
        using var result = await reply;

        Assert.Equal(GrpcStatusCode.Cancelled, result.Status.Code);
        await WaitUntilAsync(() => ReceiveBudget.Process.Reserved < declared);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Bound, "the condition did not hold in time");
            await Task.Delay(20);
        }
    }

    private static Task<GrpcServerHost> StartRawUpstreamAsync(RequestDelegate answer) =>
        GrpcServerHost.StartAsync("http://127.0.0.1:0", endpoints => endpoints.MapPost(Method("Echo"), answer));

    private static async Task<Http1Upstream> StartHttp1UpstreamAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        await app.StartAsync();
        return new Http1Upstream(app);
    }

    private static int GetUnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Http1Upstream(WebApplication app) : IAsyncDisposable
    {
        public Uri Address { get; } = new(app.Urls.First());

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
