using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Strait.Configuration;

/// <summary>
/// Where a configuration error comes from: <c>FILE:LINE:COLUMN: </c> when a YAML file sets the key the error starts
/// with, <c>FILE: </c> when the file does not (a JSON file; an environment variable or flag set the key), and nothing
/// for an error that names no key of the configuration (a route conflict between two protos).
/// </summary>
internal static partial class ErrorLocations
{
    // The top-level keys, as binding matches them: without case.
    private static readonly FrozenSet<string> Sections = typeof(StraitOptions).GetProperties()
        .Select(property => property.Name)
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static string Of(string error, string? configFile)
    {
        var key = Key().Match(error);
        if (configFile is null || !key.Success || !Sections.Contains(key.Groups["section"].Value))
        {
            return string.Empty;
        }

        var isYaml = Path.GetExtension(configFile).ToLowerInvariant() is ".yaml" or ".yml";
        var location = isYaml ? YamlLocations.Find(configFile, key.Value) : null;
        return location is null ? configFile + ": " : $"{configFile}:{location}: ";
    }

    // "clusters.users.endpoints[2].address: …" or "admin.tokenFile '…' cannot be read": the key ends at a colon or space.
    [GeneratedRegex(@"^(?<section>[A-Za-z][A-Za-z0-9]*)(?:\[\d+\])*(?:\.[^\s:.\[\]']+(?:\[\d+\])*)*(?=[:\s]|$)")]
    private static partial Regex Key();
}
