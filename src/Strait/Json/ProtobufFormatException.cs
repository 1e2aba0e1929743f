namespace Strait.Json;

/// <summary>
/// The protobuf binary input is malformed (bad varint, truncated data, wrong wire type, invalid UTF-8,
/// unbalanced groups) or holds a value that has no ProtoJSON representation.
/// </summary>
internal sealed class ProtobufFormatException : Exception
{
    public ProtobufFormatException()
        : this("malformed protobuf input")
    {
    }

    public ProtobufFormatException(string message)
        : base(message)
    {
    }

    public ProtobufFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
