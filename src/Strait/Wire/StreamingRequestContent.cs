using System.IO.Pipelines;
using System.Net;

namespace Strait.Wire;

/// <summary>
/// The body of a streaming call: frames written to <see cref="Writer"/> are copied to the HTTP/2 stream and flushed per
/// batch. Completing the writer ends the request (END_STREAM). The pipe's pause threshold gives writers backpressure.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private static readonly PipeOptions PipeOptions = new(
        pauseWriterThreshold: 64 * 1024,
        resumeWriterThreshold: 32 * 1024,
        useSynchronizationContext: false);

    private readonly Pipe pipe = new(PipeOptions);

    public StreamingRequestContent()
    {
        Headers.TryAddWithoutValidation(GrpcProtocol.ContentTypeHeader, GrpcProtocol.ContentType);
    }

    public PipeWriter Writer => pipe.Writer;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var reader = pipe.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }

                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Completing with the error makes the writer's next flush report that the request stream is gone.
            await reader.CompleteAsync(ex).ConfigureAwait(false);
            throw;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
