using Microsoft.Extensions.Logging;

namespace Strait.Wire;

internal static partial class GrpcServerLog
{
    public const string CategoryName = "Strait.Wire.GrpcServer";

    [LoggerMessage(1, LogLevel.Error, "Handler of gRPC method {Method} threw an exception.")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "gRPC call {Method} ended with status {Status}.")]
    public static partial void CallFailed(ILogger logger, string method, GrpcStatusCode status);
}
