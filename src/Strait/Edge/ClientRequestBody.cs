using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Strait.Edge;

/// <summary>
/// The request body as every edge reads it. Whatever breaks a read of it is the client's doing: Kestrel's verdict on
/// the framing (already a <see cref="BadHttpRequestException"/>), a plain <see cref="IOException"/> where Kestrel has
/// no verdict (a chunk size past 64 bits), a connection reset mid-upload. All of them leave as one
/// <see cref="ClientBodyException"/>, so the edges answer 400 (or nothing, when the client is gone) instead of
/// taking them for the gateway's own failures. Cancellations pass through as they are.
/// </summary>
internal sealed class ClientRequestBody : PipeReader, IRequestBodyPipeFeature
{
    private readonly PipeReader inner;

    private ClientRequestBody(PipeReader inner)
    {
        this.inner = inner;
    }

    PipeReader IRequestBodyPipeFeature.Reader => this;

    /// <summary>Puts the wrapper in front of the request's body reader; requests that cannot have a body keep theirs.</summary>
    public static void Install(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return;
        }

        context.Features.Set<IRequestBodyPipeFeature>(new ClientRequestBody(context.Request.BodyReader));
    }

    /// <summary>Whether the client is gone: nobody is left to answer, whatever failed.</summary>
    public static bool ClientIsGone(HttpContext context, Exception failure) =>
        context.RequestAborted.IsCancellationRequested || failure is ClientBodyException { ClientGone: true };

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> read;
        try
        {
            read = inner.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (IsBodyFailure(e))
        {
            throw Classify(e);
        }

        return read.IsCompletedSuccessfully ? read : AwaitAsync(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        try
        {
            return inner.TryRead(out result);
        }
        catch (Exception e) when (IsBodyFailure(e))
        {
            throw Classify(e);
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<ReadResult> AwaitAsync(ValueTask<ReadResult> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (Exception e) when (IsBodyFailure(e))
        {
            throw Classify(e);
        }
    }

    private static bool IsBodyFailure(Exception e) => e is IOException or BadHttpRequestException && e is not ClientBodyException;

    private static ClientBodyException Classify(Exception e) => e switch
    {
        ConnectionResetException => new ClientBodyException("The client reset the connection while sending the request body.", StatusCodes.Status400BadRequest, clientGone: true, e),
        BadHttpRequestException bad => new ClientBodyException(bad.Message, bad.StatusCode, clientGone: false, e),
        _ => new ClientBodyException("The request body could not be read: " + e.Message, StatusCodes.Status400BadRequest, clientGone: false, e),
    };
}

/// <summary>A request body the client sent malformed, cut short or abandoned: the client's fault, never the gateway's.</summary>
internal sealed class ClientBodyException(string message, int statusCode, bool clientGone, Exception inner)
    : BadHttpRequestException(message, statusCode, inner)
{
    /// <summary>The client went away (its connection was reset): nothing is to be answered.</summary>
    public bool ClientGone { get; } = clientGone;
}
