namespace Strait.Wire;

/// <summary>Reads request messages of a client or bidirectional streaming call.</summary>
internal interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNextAsync"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; <see langword="false"/> once the client has completed its request stream.</summary>
    /// <exception cref="GrpcException">A message violates the protocol or the size limit.</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled or its deadline expired.</exception>
    ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default);
}
