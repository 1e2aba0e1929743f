using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>
/// A text value for a field of the request message, taken from the path or the query string. The text is converted
/// to the field's type later (enums by name or number, well-known types by their JSON string form).
/// </summary>
/// <param name="FieldPath">The field and the message fields leading to it, outermost first.</param>
/// <param name="Value">The percent-decoded value.</param>
/// <param name="MapKey">For <c>map_field[key]=value</c> query parameters, the map key; otherwise null.</param>
internal readonly record struct FieldBinding(IReadOnlyList<FieldDescriptor> FieldPath, string Value, string? MapKey = null);
