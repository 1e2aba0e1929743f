using System.Globalization;

namespace Strait.Wire;

/// <summary>Framing violations, raised as <see cref="GrpcException"/> with <see cref="StatusOrigin.Protocol"/>.</summary>
internal static class GrpcProtocolErrors
{
    public static GrpcException MessageTooLarge(long length, int limit) => Create(
        GrpcStatusCode.ResourceExhausted,
        string.Create(CultureInfo.InvariantCulture, $"Received message of {length} bytes exceeds the limit of {limit} bytes."));

    public static GrpcException DecompressedMessageTooLarge(int limit) => Create(
        GrpcStatusCode.ResourceExhausted,
        string.Create(CultureInfo.InvariantCulture, $"Decompressed message exceeds the limit of {limit} bytes."));

    public static GrpcException ReceiveBudgetExhausted(int length, long capacity) => Create(
        GrpcStatusCode.ResourceExhausted,
        string.Create(CultureInfo.InvariantCulture, $"A message of {length} bytes cannot be received now: messages still arriving on other calls hold the {capacity} bytes set aside for them."));

    public static GrpcException CompressedWithoutEncoding() => Create(
        GrpcStatusCode.Internal,
        "Received a compressed message but no supported grpc-encoding was negotiated.");

    public static GrpcException InvalidCompressedFlag() => Create(
        GrpcStatusCode.Internal,
        "Received a message frame with an invalid compressed flag.");

    public static GrpcException TruncatedFrame() => Create(
        GrpcStatusCode.Internal,
        "The stream ended inside a message frame.");

    public static GrpcException CorruptCompressedMessage(Exception cause) => new(
        new GrpcStatus(GrpcStatusCode.Internal, "Received a compressed message that could not be decompressed.", origin: StatusOrigin.Protocol, debugException: cause));

    private static GrpcException Create(GrpcStatusCode code, string message) =>
        new(new GrpcStatus(code, message, origin: StatusOrigin.Protocol));
}
