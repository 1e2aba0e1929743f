using Google.Protobuf;

namespace Strait.Wire;

/// <summary>The <c>grpc-status-details-bin</c> trailer: a base64 <c>google.rpc.Status</c>.</summary>
internal static class GrpcStatusDetails
{
    public static string Encode(Google.Rpc.Status details) => GrpcBinaryHeader.Encode(details.ToByteArray());

    /// <summary>Parses the trailer; a malformed value is ignored rather than failing the call it belongs to.</summary>
    public static Google.Rpc.Status? TryDecode(string? value)
    {
        if (string.IsNullOrEmpty(value) || !GrpcBinaryHeader.TryDecode(value, out var bytes))
        {
            return null;
        }

        try
        {
            return Google.Rpc.Status.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
