namespace Strait.Json;

/// <summary>Options for the JSON→binary methods of <see cref="ProtoJsonCodec"/>. Immutable; derive variants with <c>with</c>.</summary>
internal sealed record JsonReadOptions
{
    /// <summary>The options used when the caller has no preference.</summary>
    public static JsonReadOptions Default { get; } = new();

    /// <summary>Skip unknown object keys (and treat unknown enum names as unset) instead of rejecting them.</summary>
    public bool IgnoreUnknownFields { get; init; }

    /// <summary>Maximum JSON nesting (objects and arrays, including those inside Struct, Value, ListValue and Any).</summary>
    public int MaxDepth
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "MaxDepth must be positive.");
    } = 64;
}
