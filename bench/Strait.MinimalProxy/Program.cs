using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Strait.Wire;

// The floor for a .NET gRPC proxy, to compare Strait's passthrough with: Kestrel h2c in, Strait's GrpcClient out,
// one unary message copied each way. No routing, metadata, deadline policy, balancing, retries or logging.
//   Strait.MinimalProxy <backend-url> <port>
if (args is not [var backendUrl, var portText])
{
    Console.Error.WriteLine("usage: Strait.MinimalProxy <backend-url> <port>");
    return 2;
}

var backend = new GrpcClient(new Uri(backendUrl));
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(kestrel =>
    kestrel.Listen(IPAddress.Loopback, int.Parse(portText, CultureInfo.InvariantCulture), listen => listen.Protocols = HttpProtocols.Http2));
var app = builder.Build();
app.Run(async context =>
{
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    using var result = await backend.InvokeUnaryAsync(context.Request.Path.Value!, body.ToArray().AsMemory(5), null, DateTime.UtcNow.AddSeconds(30), context.RequestAborted);
    context.Response.ContentType = "application/grpc";
    var frame = new byte[5 + result.Message.Length];
    BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), result.Message.Length);
    result.Message.Span.CopyTo(frame.AsSpan(5));
    // Not flushed: Kestrel writes head, message and trailers together as the handler returns, as Strait does.
    context.Response.BodyWriter.Write(frame);
    context.Response.AppendTrailer("grpc-status", ((int)result.Status.Code).ToString(CultureInfo.InvariantCulture));
});
Console.WriteLine("LISTENING " + portText);
await app.RunAsync();
return 0;
