namespace Strait.Json;

/// <summary>Options for the binary→JSON methods of <see cref="ProtoJsonCodec"/>. Immutable; derive variants with <c>with</c>.</summary>
internal sealed record JsonWriteOptions
{
    /// <summary>The options used when the caller has no preference.</summary>
    public static JsonWriteOptions Default { get; } = new();

    /// <summary>Emit fields without presence even when they hold their default value (<c>0</c>, <c>""</c>, <c>[]</c>, <c>{}</c>).</summary>
    public bool EmitUnpopulated { get; init; }

    /// <summary>Use proto field names (<c>field_name</c>) instead of JSON names (<c>fieldName</c>).</summary>
    public bool UseProtoFieldNames { get; init; }

    /// <summary>Write enum values as numbers instead of names.</summary>
    public bool EnumsAsIntegers { get; init; }

    /// <summary>Maximum nesting of messages in the binary input; deeper input is rejected rather than risking the stack.</summary>
    public int MaxDepth
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "MaxDepth must be positive.");
    } = 100;
}
