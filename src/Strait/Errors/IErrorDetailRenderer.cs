using System.Text.Json;
using Google.Protobuf.WellKnownTypes;

namespace Strait.Errors;

/// <summary>Writes one google.rpc.Status detail as proto3 JSON with its <c>@type</c>.</summary>
internal interface IErrorDetailRenderer
{
    /// <summary>Returns false (writing nothing) when the detail's type is unknown or its bytes are invalid.</summary>
    bool TryWrite(Utf8JsonWriter writer, Any detail);
}
