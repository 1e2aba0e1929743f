namespace Strait.Wire;

/// <summary>
/// The gRPC mapping from an HTTP status to a status code, used when an upstream answers without gRPC status
/// (see gRPC's http-grpc-status-mapping).
/// </summary>
internal static class HttpStatusToGrpcCode
{
    public static GrpcStatusCode Map(int httpStatus) => httpStatus switch
    {
        400 => GrpcStatusCode.Internal,
        401 => GrpcStatusCode.Unauthenticated,
        403 => GrpcStatusCode.PermissionDenied,
        404 => GrpcStatusCode.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };
}
