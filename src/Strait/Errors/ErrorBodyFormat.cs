namespace Strait.Errors;

/// <summary>How error bodies are rendered.</summary>
internal enum ErrorBodyFormat
{
    /// <summary>RFC 9457 <c>application/problem+json</c> (the default).</summary>
    ProblemJson,

    /// <summary>grpc-gateway's body: google.rpc.Status as proto3 JSON (<c>{code, message, details}</c>).</summary>
    GoogleRpcStatus,
}
