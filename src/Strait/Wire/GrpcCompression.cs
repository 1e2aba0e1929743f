namespace Strait.Wire;

/// <summary>Message compression (<c>grpc-encoding</c>) supported by Strait.</summary>
internal enum GrpcCompression
{
    /// <summary>Messages are sent uncompressed (<c>identity</c>).</summary>
    None,

    /// <summary>Messages are gzip-compressed.</summary>
    Gzip,
}

internal static class GrpcCompressionNames
{
    public const string Identity = "identity";
    public const string Gzip = "gzip";

    public static string? ToEncodingName(this GrpcCompression compression) =>
        compression == GrpcCompression.Gzip ? Gzip : null;

    /// <summary>Parses a <c>grpc-encoding</c> value; absent and <c>identity</c> mean no compression.</summary>
    public static bool TryParse(string? encoding, out GrpcCompression compression)
    {
        compression = GrpcCompression.None;
        if (string.IsNullOrEmpty(encoding) || string.Equals(encoding, Identity, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(encoding, Gzip, StringComparison.OrdinalIgnoreCase))
        {
            compression = GrpcCompression.Gzip;
            return true;
        }

        return false;
    }

    /// <summary>Whether a <c>grpc-accept-encoding</c> list (comma-separated) includes gzip.</summary>
    public static bool AcceptsGzip(string? acceptEncoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return false;
        }

        foreach (var range in acceptEncoding.AsSpan().Split(','))
        {
            if (acceptEncoding.AsSpan(range).Trim().Equals(Gzip, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
