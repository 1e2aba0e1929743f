using System.Collections.Frozen;

namespace Strait.Routing;

internal sealed class QueryBindingOptions
{
    private static readonly FrozenSet<string> NoNames = Array.Empty<string>().ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenSet<string> ignoredParameters = NoNames;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> ignoredLookup =
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
        get => ignoredParameters;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            ignoredParameters = value.ToFrozenSet(StringComparer.Ordinal);
            ignoredLookup = ignoredParameters.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    internal bool IsIgnored(ReadOnlySpan<char> name) => ignoredParameters.Count > 0 && ignoredLookup.Contains(name);
}
