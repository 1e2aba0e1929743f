using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Strait.Wire;

/// <summary>Reads the gRPC meaning of an HTTP response: its status, metadata and message encoding.</summary>
internal static class GrpcResponseInspector
{
    // Upstream-controlled text echoed into a status message is kept short.
    private const int MaxEchoedContentTypeLength = 64;

    /// <summary>
    /// Classifies the response head. Returns <see langword="null"/> for a gRPC response whose body carries messages
    /// and trailers; otherwise the call's final status: from a Trailers-Only response (<paramref name="isTrailersOnly"/>),
    /// or a <see cref="StatusOrigin.Protocol"/> status for a response that is not gRPC.
    /// </summary>
    public static GrpcStatus? InspectHead(HttpResponseMessage response, out bool isTrailersOnly)
    {
        // A grpc-status in the head must be used whatever the HTTP status (http-grpc-status-mapping.md).
        isTrailersOnly = TryGetFirst(response.Headers, GrpcProtocol.StatusHeader, out _);
        if (isTrailersOnly)
        {
            return ReadStatus(response.Headers);
        }

        TryGetFirst(response.Content.Headers, GrpcProtocol.ContentTypeHeader, out var contentType);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var httpStatus = (int)response.StatusCode;
            return Protocol(
                HttpStatusToGrpcCode.Map(httpStatus),
                string.Create(CultureInfo.InvariantCulture, $"upstream answered HTTP {httpStatus} (content-type {Describe(contentType)})"));
        }

        return GrpcProtocol.IsGrpcContentType(contentType)
            ? null
            : Protocol(GrpcStatusCode.Unknown, $"upstream answered HTTP 200 with non-gRPC content-type {Describe(contentType)}");
    }

    /// <summary>Reads <c>grpc-status</c>, <c>grpc-message</c> and <c>grpc-status-details-bin</c> from trailers.</summary>
    public static GrpcStatus ReadStatus(HttpHeaders trailers)
    {
        if (!TryGetFirst(trailers, GrpcProtocol.StatusHeader, out var statusText))
        {
            return Protocol(GrpcStatusCode.Internal, "upstream ended the call without grpc-status");
        }

        if (!GrpcStatusCodeNames.TryParseWireValue(statusText, out var code))
        {
            return Protocol(GrpcStatusCode.Unknown, "upstream sent an invalid grpc-status");
        }

        var message = TryGetFirst(trailers, GrpcProtocol.MessageHeader, out var encoded) ? GrpcMessageEncoding.Decode(encoded) : null;
        var details = TryGetFirst(trailers, GrpcProtocol.StatusDetailsHeader, out var detailsText) ? GrpcStatusDetails.TryDecode(detailsText) : null;
        return new GrpcStatus(code, message, details, StatusOrigin.Backend) { PushbackMilliseconds = ReadPushback(trailers) };
    }

    // A6: a pushback that is negative or not a number tells the client not to retry at all.
    private static int? ReadPushback(HttpHeaders trailers)
    {
        if (!TryGetFirst(trailers, GrpcProtocol.RetryPushbackHeader, out var text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) ? milliseconds : -1;
    }

    /// <summary>The user metadata of a header or trailer block, reserved and malformed entries skipped.</summary>
    public static GrpcMetadata ReadMetadata(HttpHeaders headers, HttpHeaders? contentHeaders = null)
    {
        var metadata = new GrpcMetadata();
        AddMetadata(metadata, headers);
        if (contentHeaders is not null)
        {
            AddMetadata(metadata, contentHeaders);
        }

        return metadata;
    }

    /// <summary>The response's message compression; an unsupported encoding reads as none, so compressed frames fail.</summary>
    public static GrpcCompression ReadEncoding(HttpResponseMessage response) =>
        TryGetFirst(response.Headers, GrpcProtocol.EncodingHeader, out var encoding)
        && GrpcCompressionNames.TryParse(encoding, out var compression)
            ? compression
            : GrpcCompression.None;

    private static void AddMetadata(GrpcMetadata metadata, HttpHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                metadata.AddFromWire(name, value);
            }
        }
    }

    private static bool TryGetFirst(HttpHeaders headers, string name, out string value)
    {
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            foreach (var first in values)
            {
                value = first;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    private static string Describe(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return "none";
        }

        var shown = contentType.Length <= MaxEchoedContentTypeLength ? contentType : contentType[..MaxEchoedContentTypeLength];
        return GrpcMetadata.IsValidTextValue(shown) ? shown : "unprintable";
    }

    private static GrpcStatus Protocol(GrpcStatusCode code, string message) => new(code, message, origin: StatusOrigin.Protocol);
}
