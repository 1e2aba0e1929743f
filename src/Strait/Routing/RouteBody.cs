using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>
/// Where the HTTP body goes: the whole request message (<c>body: "*"</c>) or one top-level field. A route without a
/// body has no <see cref="RouteBody"/> at all. Repeated and map body fields are accepted, as grpc-gateway does: the
/// body is then a JSON array or object.
/// </summary>
internal sealed class RouteBody
{
    private RouteBody(FieldDescriptor? field)
    {
        Field = field;
    }

    public static RouteBody WholeMessage { get; } = new(null);

    /// <summary>The top-level field the body fills, or null for the whole message.</summary>
    public FieldDescriptor? Field { get; }

    public bool IsWholeMessage => Field is null;

    public static RouteBody ForField(FieldDescriptor field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return new RouteBody(field);
    }

    public override string ToString() => Field?.Name ?? "*";
}
