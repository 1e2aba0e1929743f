namespace Strait.Json;

/// <summary>Message types whose ProtoJSON form is not a plain object of their fields.</summary>
internal enum WellKnownType
{
    None,
    Any,
    Timestamp,
    Duration,
    FieldMask,
    Struct,
    Value,
    ListValue,
    DoubleValue,
    FloatValue,
    Int64Value,
    UInt64Value,
    Int32Value,
    UInt32Value,
    BoolValue,
    StringValue,
    BytesValue,
}

internal static class WellKnownTypes
{
    public const string AnyFullName = "google.protobuf.Any";
    public const string NullValueFullName = "google.protobuf.NullValue";

    public static WellKnownType Classify(string fullName) => fullName switch
    {
        AnyFullName => WellKnownType.Any,
        "google.protobuf.Timestamp" => WellKnownType.Timestamp,
        "google.protobuf.Duration" => WellKnownType.Duration,
        "google.protobuf.FieldMask" => WellKnownType.FieldMask,
        "google.protobuf.Struct" => WellKnownType.Struct,
        "google.protobuf.Value" => WellKnownType.Value,
        "google.protobuf.ListValue" => WellKnownType.ListValue,
        "google.protobuf.DoubleValue" => WellKnownType.DoubleValue,
        "google.protobuf.FloatValue" => WellKnownType.FloatValue,
        "google.protobuf.Int64Value" => WellKnownType.Int64Value,
        "google.protobuf.UInt64Value" => WellKnownType.UInt64Value,
        "google.protobuf.Int32Value" => WellKnownType.Int32Value,
        "google.protobuf.UInt32Value" => WellKnownType.UInt32Value,
        "google.protobuf.BoolValue" => WellKnownType.BoolValue,
        "google.protobuf.StringValue" => WellKnownType.StringValue,
        "google.protobuf.BytesValue" => WellKnownType.BytesValue,
        _ => WellKnownType.None,
    };

    public static bool IsWrapper(this WellKnownType kind) => kind >= WellKnownType.DoubleValue;
}
