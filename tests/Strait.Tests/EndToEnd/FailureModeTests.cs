using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Strait.Tests.EndToEnd;

/// <summary>What the gateway, in the test process, answers when the backend is gone or broken.</summary>
public sealed class FailureModeTests
{
    [Fact]
    public async Task Backend_down_is_503_without_internal_details()
    {
        var port = FreePort();
        await using var gateway = await StartTodoGatewayAsync($"127.0.0.1:{port}");

        var reply = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Get, "/v1/tasks/x", null));

        reply.AssertProblem(503, "UNAVAILABLE");
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), reply.Body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", reply.Body.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/grpc", new byte[] { 0, 0, 0, 0, 9, 1, 2 })] // a frame cut short
    [InlineData("text/html", new byte[] { (byte)'<', (byte)'p', (byte)'>' })] // not gRPC at all
    public async Task Garbage_from_the_backend_is_502(string contentType, byte[] body)
    {
        await using var garbage = await StartGarbageBackendAsync(contentType, body);
        await using var gateway = await StartTodoGatewayAsync(garbage.Urls.Single());

        var reply = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Get, "/v1/tasks/x", null));

        reply.AssertProblem(502, reply.Text("grpcStatus"));
        Assert.Equal("urn:strait:problem:bad-upstream-response", reply.Text("type"));
    }

    public static TheoryData<string, byte[]> UndecodableTasks => new()
    {
        { "length past the end", [0x0A, 100] },
        { "truncated varint", [0x20, 0x80] },
        { "wrong wire type", [0x0D, 0, 0, 0, 0] },
        { "invalid UTF-8 in a string", [0x0A, 0x02, 0xC3, 0x28] },
        { "unknown groups nested 5000 deep", [.. Enumerable.Repeat<byte[]>([0xA3, 0x01], 5000).SelectMany(tag => tag)] },
    };

    [Theory]
    [MemberData(nameof(UndecodableTasks))]
    public async Task Undecodable_response_message_is_502(string defect, byte[] task)
    {
        // A well-framed message whose bytes are not a todo.v1.Task.
        byte[] frame = [0, .. BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(task.Length)), .. task];
        await using var garbage = await StartGarbageBackendAsync("application/grpc", frame, trailers: true);
        await using var gateway = await StartTodoGatewayAsync(garbage.Urls.Single());

        var reply = await JsonReply.ReadAsync(await gateway.SendJsonAsync(HttpMethod.Get, "/v1/tasks/x", null));

        reply.AssertProblem(502, "INTERNAL");
        Assert.True(reply.Text("type") == "urn:strait:problem:bad-upstream-response", defect);
    }

    private static Task<InProcessGateway> StartTodoGatewayAsync(string backend) => InProcessGateway.StartAsync($"""
        schema:
          descriptorSets: ["{TestSchemas.Todo}"]
        backend:
          addresses: ["{backend}"]
        """);

    private static async Task<WebApplication> StartGarbageBackendAsync(string contentType, byte[] body, bool trailers = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(async context =>
        {
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(body);
            if (trailers)
            {
                context.Response.AppendTrailer("grpc-status", "0");
            }
        });
        await app.StartAsync();
        return app;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
