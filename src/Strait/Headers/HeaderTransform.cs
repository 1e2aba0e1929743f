namespace Strait.Headers;

/// <summary>
/// One step of a rule's transform chain: turns a header or metadata value into another, or fails with a reason
/// (incoming, a failure is a 400 naming the header; outgoing, the value is dropped and logged).
/// </summary>
/// <remarks>
/// An extension point: embedders add their own through <see cref="HeaderTransformRegistry.Register"/>. Implementations
/// are immutable and shared by all requests of a snapshot, so they must be thread-safe. A transform that throws is
/// treated as one that fails.
/// </remarks>
public abstract class HeaderTransform
{
    /// <summary>Names the transform.</summary>
    /// <param name="name">How it is written in configuration, arguments included (<c>mask(4)</c>): logs and errors show it.</param>
    protected HeaderTransform(string name) => Name = name;

    /// <summary>How the transform is written in configuration, arguments included (<c>mask(4)</c>).</summary>
    public string Name { get; }

    /// <summary>Returns the transformed value, or false with <paramref name="error"/> saying why the value cannot be transformed.</summary>
    /// <param name="value">The header or metadata value, or the previous transform's result.</param>
    /// <param name="result">The transformed value, when this returns true.</param>
    /// <param name="error">Why the value cannot be transformed, when this returns false; a client may read it in a 400 problem.</param>
    /// <returns>Whether the value was transformed.</returns>
    public abstract bool TryApply(string value, out string result, out string? error);

    /// <summary>The <see cref="Name"/>.</summary>
    /// <returns>The <see cref="Name"/>.</returns>
    public override string ToString() => Name;
}

/// <summary>A transform given as a delegate, for custom transforms registered from C#.</summary>
internal sealed class DelegateHeaderTransform : HeaderTransform
{
    private readonly Func<string, string?> apply;

    /// <param name="name">The name used in configuration.</param>
    /// <param name="apply">Returns the new value, or null when the value cannot be transformed.</param>
    public DelegateHeaderTransform(string name, Func<string, string?> apply)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(apply);
        this.apply = apply;
    }

    public override bool TryApply(string value, out string result, out string? error)
    {
        var transformed = apply(value);
        result = transformed ?? string.Empty;
        error = transformed is null ? "the value was rejected" : null;
        return transformed is not null;
    }
}
