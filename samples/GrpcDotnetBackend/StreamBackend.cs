using Google.Protobuf;
using Grpc.Core;
using Strait.Echo.V1;

namespace Strait.Samples.GrpcDotnetBackend;

/// <summary>
/// <c>strait.echo.v1.StreamService</c>, the four call shapes, as node-echo serves it: the first reply carries the
/// call's ASCII metadata, and a cancelled server stream prints <c>CANCELLED ServerStream &lt;text&gt;</c>.
/// </summary>
internal sealed class StreamBackend : StreamService.StreamServiceBase
{
    public static string ServiceName => StreamService.Descriptor.FullName;

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<StreamReply> responseStream, ServerCallContext context)
    {
        var payload = ByteString.CopyFrom(new byte[Math.Max(0, request.PayloadBytes)]);
        try
        {
            for (var index = 0; index < request.Count; index++)
            {
                if (request.FailAfter > 0 && index == request.FailAfter)
                {
                    throw new RpcException(new Status((StatusCode)request.FailCode, $"failed after {index} replies"));
                }

                if (index > 0 && request.IntervalMs > 0)
                {
                    await Task.Delay(request.IntervalMs, context.CancellationToken).ConfigureAwait(false);
                }

                var reply = new StreamReply { Text = request.Text, Index = index, Payload = payload };
                if (index == 0)
                {
                    reply.Metadata.Add(CallMetadata.Text(context.RequestHeaders));
                }

                await responseStream.WriteAsync(reply, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception) when (context.CancellationToken.IsCancellationRequested)
        {
            // Waiting or writing: either way the call is gone, which is what cancellation tests look for.
            await Console.Out.WriteLineAsync("CANCELLED ServerStream " + request.Text).ConfigureAwait(false);
            throw;
        }
    }

    public override async Task<StreamReply> ClientStream(IAsyncStreamReader<StreamRequest> requestStream, ServerCallContext context)
    {
        var texts = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            texts.Add(request.Text);
        }

        var reply = new StreamReply { Text = string.Join('+', texts), Index = texts.Count };
        reply.Metadata.Add(CallMetadata.Text(context.RequestHeaders));
        return reply;
    }

    public override async Task BidiStream(IAsyncStreamReader<StreamRequest> requestStream, IServerStreamWriter<StreamReply> responseStream, ServerCallContext context)
    {
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            var reply = new StreamReply { Text = request.Text, Index = index };
            if (index == 0)
            {
                reply.Metadata.Add(CallMetadata.Text(context.RequestHeaders));
            }

            await responseStream.WriteAsync(reply, context.CancellationToken).ConfigureAwait(false);
            index++;
        }
    }
}
