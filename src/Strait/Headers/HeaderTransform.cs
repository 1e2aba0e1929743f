namespace Strait.Headers;

/// <summary>
/// One step of a rule's transform chain: turns a header or metadata value into another, or fails with a reason
/// (incoming, a failure is a 400 naming the header; outgoing, the value is dropped and logged).
/// </summary>
/// <remarks>Implementations are immutable and shared by all requests of a snapshot, so they must be thread-safe.</remarks>
internal abstract class HeaderTransform
{
    protected HeaderTransform(string name) => Name = name;

    /// <summary>How the transform is written in configuration, arguments included (<c>mask(4)</c>).</summary>
    public string Name { get; }

    /// <summary>Returns the transformed value, or false with <paramref name="error"/> saying why the value cannot be transformed.</summary>
    public abstract bool TryApply(string value, out string result, out string? error);

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
