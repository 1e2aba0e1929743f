using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Strait.Echo.V1;

namespace Strait.Samples.GrpcDotnetBackend;

/// <summary>
/// <c>strait.echo.v1.EchoService</c> as node-echo serves it (samples/node-echo/README.md), so the same assertions hold
/// for both backends; one difference: Google.Protobuf keeps unknown fields, so they come back in the echoed request.
/// </summary>
internal sealed class EchoBackend : EchoService.EchoServiceBase
{
    public const string ServerVersion = "grpc-dotnet/2.85.0";
    private const string ReplyHeaderPrefix = "echo-reply-header-";
    private const string ReplyTrailerPrefix = "echo-reply-trailer-";

    public static string ServiceName => EchoService.Descriptor.FullName;

    public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var headers = new Metadata { { "x-server-version", ServerVersion } };
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.IsBinary)
            {
                continue;
            }

            if (entry.Key.StartsWith(ReplyHeaderPrefix, StringComparison.Ordinal))
            {
                headers.Add(entry.Key[ReplyHeaderPrefix.Length..], entry.Value);
            }
            else if (entry.Key.StartsWith(ReplyTrailerPrefix, StringComparison.Ordinal))
            {
                context.ResponseTrailers.Add(entry.Key[ReplyTrailerPrefix.Length..], entry.Value);
            }
        }

        await context.WriteResponseHeadersAsync(headers).ConfigureAwait(false);
        var response = new EchoResponse { Request = request, PeerMethod = context.Method };
        response.Metadata.Add(CallMetadata.Text(context.RequestHeaders));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        context.ResponseTrailers.Add("processing-time", string.Create(CultureInfo.InvariantCulture, $"{elapsed:0}ms"));
        return response;
    }

    public override Task<Empty> Fail(FailRequest request, ServerCallContext context) => request.Code switch
    {
        0 => Task.FromResult(new Empty()),
        > 0 and <= 16 => throw new RpcException(new Status((StatusCode)request.Code, request.Message)),
        _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"code {request.Code} is not a gRPC status code")),
    };
}
