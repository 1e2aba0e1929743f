using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Strait.Wire;

/// <summary>Writes a status and metadata as gRPC header fields: in trailers, or in the head of a Trailers-Only response.</summary>
internal static class GrpcStatusHeaders
{
    private static readonly string[] StatusCodeText = CreateStatusCodeText();

    public static void AppendStatus(IHeaderDictionary headers, GrpcStatus status)
    {
        headers[GrpcProtocol.StatusHeader] = StatusText(status.Code);
        if (status.Message.Length > 0)
        {
            headers[GrpcProtocol.MessageHeader] = GrpcMessageEncoding.EncodeBounded(status.Message);
        }

        if (status.Details is { } details)
        {
            headers[GrpcProtocol.StatusDetailsHeader] = GrpcStatusDetails.Encode(details);
        }
    }

    public static void AppendMetadata(IHeaderDictionary headers, GrpcMetadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, entry.Value);
        }
    }

    /// <summary>The decimal text of a code, without formatting per call.</summary>
    public static string StatusText(GrpcStatusCode code) => (uint)code < (uint)StatusCodeText.Length ? StatusCodeText[(int)code] : ((int)code).ToString(CultureInfo.InvariantCulture);

    private static string[] CreateStatusCodeText()
    {
        var codes = Enum.GetValues<GrpcStatusCode>();
        var text = new string[codes.Length];
        foreach (var code in codes)
        {
            text[(int)code] = ((int)code).ToString(CultureInfo.InvariantCulture);
        }

        return text;
    }
}
