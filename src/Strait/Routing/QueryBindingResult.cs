using System.Diagnostics.CodeAnalysis;

namespace Strait.Routing;

/// <summary>The outcome of <see cref="QueryBinder.Bind"/>: the bindings, or the first problem found.</summary>
internal readonly struct QueryBindingResult
{
    private readonly IReadOnlyList<FieldBinding>? bindings;

    private QueryBindingResult(IReadOnlyList<FieldBinding>? bindings, string? error)
    {
        this.bindings = bindings;
        Error = error;
    }

    /// <summary>In query-string order; repeated fields appear once per value.</summary>
    public IReadOnlyList<FieldBinding> Bindings => bindings ?? [];

    /// <summary>A message naming the offending parameter, for a 400 response.</summary>
    public string? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    internal static QueryBindingResult Bound(IReadOnlyList<FieldBinding>? bindings) => new(bindings, null);

    internal static QueryBindingResult Failed(string error) => new(null, error);
}
