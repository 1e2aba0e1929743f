using Google.Rpc;
using RpcStatus = Google.Rpc.Status;

namespace Strait.Samples.TaskService;

/// <summary>
/// A failed call. <see cref="Status"/> is the complete <c>google.rpc.Status</c> (code, message and packed details)
/// that the gRPC adapter sends back as the call's status and <c>grpc-status-details-bin</c> trailer.
/// </summary>
internal sealed class TaskServiceException : Exception
{
    /// <summary>Wraps a non-OK status.</summary>
    public TaskServiceException(RpcStatus status)
        : base(status?.Message)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.Code == (int)Code.Ok)
        {
            throw new ArgumentException("A failure needs a non-OK status code.", nameof(status));
        }

        Status = status;
    }

    /// <summary>The status to return to the client.</summary>
    public RpcStatus Status { get; }

    /// <summary>The gRPC status code of <see cref="Status"/>.</summary>
    public Code Code => (Code)Status.Code;
}
