using System.Collections.Frozen;
using System.Text.Json;
using Google.Protobuf.Reflection;
using Strait.Json;

namespace Strait.OpenApi;

/// <summary>The proto3 JSON shapes of scalars and well-known types, as JSON Schema.</summary>
internal static class WellKnownJson
{
    private static readonly FrozenDictionary<string, (string Type, string? Format)> Wrappers = new Dictionary<string, (string, string?)>
    {
        ["google.protobuf.DoubleValue"] = ("number", "double"),
        ["google.protobuf.FloatValue"] = ("number", "float"),
        ["google.protobuf.Int64Value"] = ("string", "int64"),
        ["google.protobuf.UInt64Value"] = ("string", "uint64"),
        ["google.protobuf.Int32Value"] = ("integer", "int32"),
        ["google.protobuf.UInt32Value"] = ("integer", "uint32"),
        ["google.protobuf.BoolValue"] = ("boolean", null),
        ["google.protobuf.StringValue"] = ("string", null),
        ["google.protobuf.BytesValue"] = ("string", "byte"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>A message whose JSON form is not an object of its fields (the codec's list).</summary>
    public static bool IsWellKnown(string fullName) => WellKnownTypes.Classify(fullName) != WellKnownType.None;

    public static void WriteSchema(Utf8JsonWriter json, string fullName)
    {
        if (Wrappers.TryGetValue(fullName, out var wrapper))
        {
            json.WriteStartArray("type");
            json.WriteStringValue(wrapper.Type);
            json.WriteStringValue("null");
            json.WriteEndArray();
            if (wrapper.Format is not null)
            {
                json.WriteString("format", wrapper.Format);
            }

            json.WriteString("description", $"{fullName}: the wrapped value, or null.");
            return;
        }

        switch (fullName)
        {
            case "google.protobuf.Timestamp":
                WriteType(json, "string", "date-time");
                json.WriteString("description", "RFC 3339, UTC with a Z (1972-01-01T10:00:20.021Z).");
                break;
            case "google.protobuf.Duration":
                json.WriteString("type", "string");
                json.WriteString("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$");
                json.WriteString("description", "Seconds with up to nine fractional digits and an s (1.5s).");
                break;
            case "google.protobuf.FieldMask":
                json.WriteString("type", "string");
                json.WriteString("description", "Field paths in lowerCamelCase, comma-separated (user.displayName,photo).");
                break;
            case "google.protobuf.Struct":
                json.WriteString("type", "object");
                break;
            case "google.protobuf.ListValue":
                json.WriteString("type", "array");
                break;
            case "google.protobuf.Value":
                json.WriteString("description", "Any JSON value.");
                break;
            case "google.protobuf.Any":
                json.WriteString("type", "object");
                json.WriteString("description", "A message of the type @type names, its fields beside @type (or in value, for well-known types).");
                json.WriteStartArray("required");
                json.WriteStringValue("@type");
                json.WriteEndArray();
                json.WriteStartObject("properties");
                json.WriteStartObject("@type");
                json.WriteString("type", "string");
                json.WriteEndObject();
                json.WriteEndObject();
                break;
        }
    }

    public static void WriteScalar(Utf8JsonWriter json, FieldType type)
    {
        switch (type)
        {
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                WriteType(json, "integer", "int32");
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                WriteType(json, "integer", "uint32");
                json.WriteNumber("minimum", 0);
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                // proto3 JSON writes 64-bit integers as strings: JavaScript numbers cannot hold them.
                WriteType(json, "string", "int64");
                json.WriteString("pattern", "^-?[0-9]+$");
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                WriteType(json, "string", "uint64");
                json.WriteString("pattern", "^[0-9]+$");
                break;
            case FieldType.Double or FieldType.Float:
                WriteFloatingPoint(json, type == FieldType.Double ? "double" : "float");
                break;
            case FieldType.Bool:
                json.WriteString("type", "boolean");
                break;
            case FieldType.Bytes:
                WriteType(json, "string", "byte");
                json.WriteString("contentEncoding", "base64");
                break;
            default:
                json.WriteString("type", "string");
                break;
        }
    }

    // proto3 JSON writes the non-finite values as strings.
    private static void WriteFloatingPoint(Utf8JsonWriter json, string format)
    {
        json.WriteStartArray("anyOf");
        json.WriteStartObject();
        WriteType(json, "number", format);
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("type", "string");
        json.WriteStartArray("enum");
        json.WriteStringValue("NaN");
        json.WriteStringValue("Infinity");
        json.WriteStringValue("-Infinity");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void WriteType(Utf8JsonWriter json, string type, string? format)
    {
        json.WriteString("type", type);
        if (format is not null)
        {
            json.WriteString("format", format);
        }
    }
}
