namespace Strait.Edge.Grpc;

/// <summary>How a gRPC-family request reached Strait, which decides how its answer is framed.</summary>
internal enum GrpcEdgeProtocol
{
    /// <summary>Not a gRPC-family request: the REST edge handles it.</summary>
    None,

    /// <summary><c>application/grpc</c> over HTTP/2: status and metadata end the stream as HTTP trailers.</summary>
    Native,

    /// <summary><c>application/grpc-web(+proto)</c>: trailers travel as a final frame of the body (flag 0x80).</summary>
    Web,

    /// <summary><c>application/grpc-web-text(+proto)</c>: grpc-web with both bodies base64-encoded, for clients that cannot read binary.</summary>
    WebText,
}

internal static class GrpcEdgeProtocols
{
    public const string WebContentType = "application/grpc-web";
    public const string WebTextContentType = "application/grpc-web-text";

    /// <summary>The protocol of a request by its content type; <see cref="GrpcEdgeProtocol.None"/> for everything else.</summary>
    public static GrpcEdgeProtocol Detect(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            return GrpcEdgeProtocol.None;
        }

        if (HasBase(contentType, WebTextContentType))
        {
            return GrpcEdgeProtocol.WebText;
        }

        if (HasBase(contentType, WebContentType))
        {
            return GrpcEdgeProtocol.Web;
        }

        return HasBase(contentType, "application/grpc") ? GrpcEdgeProtocol.Native : GrpcEdgeProtocol.None;
    }

    // "application/grpc-web" and its "+proto" / ";params" variants, but not "application/grpc-webx".
    private static bool HasBase(string contentType, string baseType) =>
        contentType.StartsWith(baseType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == baseType.Length || contentType[baseType.Length] is '+' or ';');
}
