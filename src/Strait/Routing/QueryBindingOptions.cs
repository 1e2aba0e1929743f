using System.Collections.Frozen;

namespace Strait.Routing;

internal sealed class QueryBindingOptions
{
    private static readonly FrozenSet<string> NoNames = Array.Empty<string>().ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenSet<string> _ignoredParameters = NoNames;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _ignoredLookup =
        NoNames.GetAlternateLookup<ReadOnlySpan<char>>();

    public static QueryBindingOptions Default { get; } = new();

    /// <summary>Skip parameters that name no field instead of failing with "unknown query parameter".</summary>
    public bool IgnoreUnknown { get; init; }

    /// <summary>
    /// Parameter names (after percent-decoding) that are always skipped, such as <c>access_token</c> or <c>alt</c>
    /// when a front proxy uses them. Empty by default.
    /// </summary>
    public IReadOnlySet<string> IgnoredParameters
    {
        get => _ignoredParameters;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _ignoredParameters = value.ToFrozenSet(StringComparer.Ordinal);
            _ignoredLookup = _ignoredParameters.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    internal bool IsIgnored(ReadOnlySpan<char> name) => _ignoredParameters.Count > 0 && _ignoredLookup.Contains(name);
}
