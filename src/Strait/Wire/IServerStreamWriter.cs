namespace Strait.Wire;

/// <summary>Sends response messages of a server or bidirectional streaming call.</summary>
/// <remarks>One write at a time: await each write before starting the next.</remarks>
internal interface IServerStreamWriter<in T>
{
    /// <summary>Sends one message, waiting while the transport applies backpressure.</summary>
    /// <exception cref="GrpcException">The message exceeds the send limit (RESOURCE_EXHAUSTED).</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled or its deadline expired.</exception>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
