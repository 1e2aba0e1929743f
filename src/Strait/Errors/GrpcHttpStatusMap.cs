using Strait.Wire;

namespace Strait.Errors;

/// <summary>The gRPC code → HTTP status mapping of google/rpc/code.proto, shared by every error Strait renders.</summary>
internal static class GrpcHttpStatusMap
{
    /// <summary>Nginx's non-standard "client closed request", which code.proto assigns to CANCELLED.</summary>
    public const int ClientClosedRequest = 499;

    public static int ToHttpStatus(GrpcStatusCode code) => code switch
    {
        GrpcStatusCode.Ok => 200,
        GrpcStatusCode.Cancelled => ClientClosedRequest,
        GrpcStatusCode.Unknown => 500,
        GrpcStatusCode.InvalidArgument => 400,
        GrpcStatusCode.DeadlineExceeded => 504,
        GrpcStatusCode.NotFound => 404,
        GrpcStatusCode.AlreadyExists => 409,
        GrpcStatusCode.PermissionDenied => 403,
        GrpcStatusCode.ResourceExhausted => 429,
        GrpcStatusCode.FailedPrecondition => 400,
        GrpcStatusCode.Aborted => 409,
        GrpcStatusCode.OutOfRange => 400,
        GrpcStatusCode.Unimplemented => 501,
        GrpcStatusCode.Internal => 500,
        GrpcStatusCode.Unavailable => 503,
        GrpcStatusCode.DataLoss => 500,
        GrpcStatusCode.Unauthenticated => 401,
        _ => 500,
    };

    /// <summary>A readable title for a gRPC code ("Not Found"), used as the problem title.</summary>
    public static string Title(GrpcStatusCode code) => code switch
    {
        GrpcStatusCode.Ok => "OK",
        GrpcStatusCode.Cancelled => "Cancelled",
        GrpcStatusCode.Unknown => "Unknown Error",
        GrpcStatusCode.InvalidArgument => "Invalid Argument",
        GrpcStatusCode.DeadlineExceeded => "Deadline Exceeded",
        GrpcStatusCode.NotFound => "Not Found",
        GrpcStatusCode.AlreadyExists => "Already Exists",
        GrpcStatusCode.PermissionDenied => "Permission Denied",
        GrpcStatusCode.ResourceExhausted => "Resource Exhausted",
        GrpcStatusCode.FailedPrecondition => "Failed Precondition",
        GrpcStatusCode.Aborted => "Aborted",
        GrpcStatusCode.OutOfRange => "Out Of Range",
        GrpcStatusCode.Unimplemented => "Not Implemented",
        GrpcStatusCode.Internal => "Internal Error",
        GrpcStatusCode.Unavailable => "Service Unavailable",
        GrpcStatusCode.DataLoss => "Data Loss",
        GrpcStatusCode.Unauthenticated => "Unauthenticated",
        _ => "Unknown Error",
    };
}
