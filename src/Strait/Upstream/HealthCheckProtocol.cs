using Google.Protobuf;

namespace Strait.Upstream;

/// <summary>The two messages of <c>grpc.health.v1.Health/Check</c>, encoded by hand: one field each.</summary>
internal static class HealthCheckProtocol
{
    public const string CheckMethod = "/grpc.health.v1.Health/Check";

    /// <summary>HealthCheckResponse.ServingStatus.</summary>
    public enum ServingStatus
    {
        Unknown = 0,
        Serving = 1,
        NotServing = 2,
        ServiceUnknown = 3,
    }

    /// <summary>HealthCheckRequest { string service = 1; }.</summary>
    public static byte[] EncodeRequest(string service)
    {
        if (service.Length == 0)
        {
            return [];
        }

        var buffer = new byte[CodedOutputStream.ComputeStringSize(service) + 1];
        var output = new CodedOutputStream(buffer);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteString(service);
        output.CheckNoSpaceLeft();
        return buffer;
    }

    /// <summary>HealthCheckResponse { ServingStatus status = 1; }; unknown fields are skipped.</summary>
    /// <exception cref="InvalidProtocolBufferException">The message is malformed.</exception>
    public static ServingStatus DecodeResponse(ReadOnlySpan<byte> message)
    {
        var input = new CodedInputStream(message.ToArray());
        var status = ServingStatus.Unknown;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.Varint))
            {
                status = (ServingStatus)input.ReadEnum();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return status;
    }
}
