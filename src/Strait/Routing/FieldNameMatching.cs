namespace Strait.Routing;

internal enum FieldNameMatching
{
    /// <summary>Only the names declared in the .proto file (path templates and rule bodies use these).</summary>
    ProtoName,

    /// <summary>Proto names, then JSON names (<c>json_name</c> or lowerCamelCase), as query parameters allow.</summary>
    ProtoOrJsonName,
}
