using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Strait.Echo.V1;
using static Strait.Tests.EndToEnd.DotnetStackCalls;
using static Strait.Tests.EndToEnd.StreamServiceClientCalls;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Grpc.Net.Client.Web (<see cref="GrpcWebHandler"/>, the client Blazor WebAssembly apps use) calling the echo contract
/// (samples/node-echo/protos) through the gateway's grpc-web edge: unary and server streaming over HTTP/1.1 in both
/// formats, and client and bidirectional streams over HTTP/2, where HttpClient streams the request body. The backends
/// speak only native gRPC: the translation is the gateway's. The same tests run against each backend that serves the
/// contract.
/// </summary>
public abstract class GrpcWebCallShapeTests
{
    private protected abstract BackendProcess Backend { get; }

    /// <summary>A gateway in front of <see cref="Backend"/> with an HTTP/2 listener beside its HTTP/1.1 one.</summary>
    private protected abstract GatewayProcess Gateway { get; }

    private protected GrpcChannel GrpcWebChannel(GrpcWebMode mode) => GrpcWebChannels.OverHttp11(Gateway, mode);

    private protected GrpcChannel GrpcWebChannelOverHttp2(GrpcWebMode mode) => GrpcWebChannels.OverHttp2(Gateway, mode);

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task A_unary_call_returns_the_reply_with_the_backends_headers_and_trailers(GrpcWebMode mode)
    {
        using var channel = GrpcWebChannel(mode);
        var client = new EchoService.EchoServiceClient(channel);
        var request = new EchoRequest { Id = "web-" + mode, BytesValue = Google.Protobuf.ByteString.CopyFrom(0, 1, 254, 255), Strings = { "x", "ÿ" } };

        using var call = client.EchoAsync(request, new Metadata { { "x-team", "web" }, { "echo-reply-trailer-x-audit", "seen" } }, Deadline());
        var reply = await call.ResponseAsync;

        Assert.Equal(request, reply.Request);
        Assert.Equal("web", reply.Metadata["x-team"]);
        Assert.Equal(Backend.ReplicaId, (await call.ResponseHeadersAsync).GetValue("x-replica-id"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("seen", call.GetTrailers().GetValue("x-audit"));
        Assert.EndsWith("ms", call.GetTrailers().GetValue("processing-time"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task A_server_stream_relays_every_message_then_the_trailers(GrpcWebMode mode)
    {
        using var channel = GrpcWebChannel(mode);
        var client = new StreamService.StreamServiceClient(channel);

        using var call = client.ServerStream(new StreamRequest { Text = "web", Count = 20, PayloadBytes = 3000 }, deadline: Deadline());
        var replies = await ReadAllAsync(call.ResponseStream);

        Assert.Equal(Enumerable.Range(0, 20), replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal(3000, r.Payload.Length));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task An_error_mid_stream_arrives_in_the_trailer_frame_after_the_messages_before_it(GrpcWebMode mode)
    {
        using var channel = GrpcWebChannel(mode);
        await AssertAnErrorFollowsTheMessagesBeforeItAsync(new StreamService.StreamServiceClient(channel));
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Over_http2_a_client_stream_is_answered_once_the_client_half_closes(GrpcWebMode mode)
    {
        using var channel = GrpcWebChannelOverHttp2(mode);
        await AssertAClientStreamIsAnsweredAfterTheHalfCloseAsync(new StreamService.StreamServiceClient(channel));
    }

    /// <summary>
    /// Binary only: the gateway reads a grpc-web-text body whole before it calls the backend (text clients are
    /// browsers, which send one message), so a text client that waits for a reply before it sends more never gets one.
    /// </summary>
    [Fact]
    public async Task Over_http2_a_bidirectional_stream_answers_each_message_before_the_next_is_sent()
    {
        using var channel = GrpcWebChannelOverHttp2(GrpcWebMode.GrpcWeb);
        await AssertABidirectionalStreamAnswersEachMessageAsync(new StreamService.StreamServiceClient(channel));
    }
}

/// <summary>Grpc.Net.Client channels that speak grpc-web (<see cref="GrpcWebHandler"/>) to a gateway.</summary>
internal static class GrpcWebChannels
{
    /// <summary>grpc-web on the gateway's HTTP/1.1 port, as a Blazor WebAssembly app does.</summary>
    public static GrpcChannel OverHttp11(IGateway gateway, GrpcWebMode mode) => GrpcChannel.ForAddress(gateway.Address, new GrpcChannelOptions
    {
        HttpHandler = new GrpcWebHandler(mode, new SocketsHttpHandler()),
        HttpVersion = HttpVersion.Version11,
        HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    });

    /// <summary>
    /// grpc-web on the gateway's HTTP/2 port: a request body that streams while the response does, which browsers'
    /// fetch cannot send but .NET's HttpClient can, so client and bidirectional streams work too.
    /// </summary>
    public static GrpcChannel OverHttp2(IGateway gateway, GrpcWebMode mode) => GrpcChannel.ForAddress(gateway.Http2Address!, new GrpcChannelOptions
    {
        HttpHandler = new GrpcWebHandler(mode, new SocketsHttpHandler()),
    });
}
