using Google.Protobuf;
using Strait.Samples.Hosting;
using Strait.Tests.Wire.Protos;
using Strait.Wire;

namespace Strait.Tests.Wire;

internal static class WireTestHost
{
    /// <summary>Bound for waits on events that should happen promptly; generous so slow CI machines never flake.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public static Task<GrpcServerHost> StartAsync(EchoService service, GrpcServerOptions? options = null) =>
        GrpcServerHost.StartAsync(
            "http://127.0.0.1:0",
            endpoints => endpoints.MapGrpcService(service.Definition),
            new GrpcServerHostOptions { Grpc = options ?? new GrpcServerOptions() });

    public static string Method(string name) => $"/{EchoService.Name}/{name}";

    public static async Task<UnaryResult> CallAsync(
        GrpcClient client,
        string method,
        EchoRequest request,
        GrpcMetadata? headers = null,
        DateTime? deadlineUtc = null,
        CancellationToken cancellationToken = default) =>
        await client.InvokeUnaryAsync(Method(method), request.ToByteArray(), headers, deadlineUtc, cancellationToken).WaitAsync(Bound);

    public static EchoReply ParseReply(UnaryResult result)
    {
        Assert.Equal(GrpcStatusCode.Ok, result.Status.Code);
        return EchoReply.Parser.ParseFrom(result.Message.Span);
    }

    public static EchoReply ParseCurrent(GrpcCall call) => EchoReply.Parser.ParseFrom(call.Current.Span);
}

/// <summary>Passes requests to a real handler and keeps what went over the wire for assertions.</summary>
internal sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    public Action<HttpRequestMessage>? OnRequest { get; init; }

    public HttpResponseMessage? LastResponse { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        OnRequest?.Invoke(request);
        var response = await base.SendAsync(request, cancellationToken);
        LastResponse = response;
        return response;
    }
}
