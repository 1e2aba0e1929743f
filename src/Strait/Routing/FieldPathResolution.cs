using System.Diagnostics.CodeAnalysis;
using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>The outcome of <see cref="FieldPathResolver.Resolve"/>: the fields, or why there are none.</summary>
internal readonly struct FieldPathResolution
{
    private FieldPathResolution(IReadOnlyList<FieldDescriptor>? fields, string? error, bool isUnknownField)
    {
        Fields = fields;
        Error = error;
        IsUnknownField = isUnknownField;
    }

    /// <summary>One descriptor per dotted part, outermost first; null when resolution failed.</summary>
    public IReadOnlyList<FieldDescriptor>? Fields { get; }

    public string? Error { get; }

    /// <summary>True when a part names no field (rather than a field the path cannot go through).</summary>
    public bool IsUnknownField { get; }

    [MemberNotNullWhen(true, nameof(Fields))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Fields is not null;

    internal static FieldPathResolution Resolved(FieldDescriptor[] fields) => new(Array.AsReadOnly(fields), null, false);

    internal static FieldPathResolution Unknown(string error) => new(null, error, true);

    internal static FieldPathResolution Invalid(string error) => new(null, error, false);
}
