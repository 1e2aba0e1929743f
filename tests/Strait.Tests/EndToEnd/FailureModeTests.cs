using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Strait.Tests.EndToEnd;

/// <summary>What the gateway answers when the backend is gone or broken, and how the command reports user errors.</summary>
public sealed class FailureModeTests
{
    private static readonly string TodoProtos = Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos");

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

    [Fact]
    public async Task Routes_command_prints_the_table()
    {
        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "routes", "--proto", Path.Combine(TodoProtos, "todo.proto")]);

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Matches(@"PATCH\s+/v1/\{task\.name=tasks/\*\}\s+todo\.v1\.TaskService\.UpdateTask\s+task", process.Output);
        Assert.Matches(@"POST\s+/v1/tasks:batchCreate\s+todo\.v1\.TaskService\.BatchCreateTasks\s+\*", process.Output);
    }

    [Theory]
    [InlineData("serve --proto /no/such.proto --backend 127.0.0.1:1", "/no/such.proto")]
    [InlineData("serve --backend 127.0.0.1:1", "no schema")]
    [InlineData("serve --proto PROTO --backend ftp://h:1", "ftp://h:1")]
    [InlineData("serve --bogus-flag", "--bogus-flag")]
    [InlineData("serve --proto PROTO --backend 127.0.0.1:1 --lb-policy fastest", "backend.lbPolicy: 'fastest' is not a policy; use least_request, round_robin")]
    [InlineData("serve --proto PROTO --backend 127.0.0.1:1 --listen foo", "foo")]
    [InlineData("serve --proto PROTO --backend 127.0.0.1:1 --listen https://127.0.0.1:0", "https://127.0.0.1:0")]
    public async Task User_errors_exit_2_with_one_message(string arguments, string mentioned)
    {
        var args = arguments.Replace("PROTO", Path.Combine(TodoProtos, "todo.proto"), StringComparison.Ordinal).Split(' ');
        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, .. args]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(mentioned, process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    private static Task<GatewayProcess> StartTodoGatewayAsync(string backend) =>
        GatewayProcess.StartAsync("--proto", Path.Combine(TodoProtos, "todo.proto"), "--backend", backend);

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
