using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Strait.Configuration;

/// <summary>
/// Finds where a configuration key (<c>headers.rules[5].transforms[1]</c>, as validation messages name them) is
/// written in a YAML file, so an error can point at its line.
/// </summary>
internal static class YamlLocations
{
    /// <summary>
    /// The <c>line:column</c> of the value at <paramref name="keyPath"/>, or of the deepest part of the path the file
    /// has (a rule whose <c>httpHeader</c> is missing points at the rule); null when the file does not even have the
    /// first key (an environment variable might set it).
    /// </summary>
    public static string? Find(string yamlFile, string keyPath)
    {
        YamlNode? node;
        try
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(yamlFile))
            {
                yaml.Load(reader);
            }

            node = yaml.Documents.Count > 0 ? yaml.Documents[0].RootNode : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlException)
        {
            return null;
        }

        YamlNode? found = null;
        foreach (var step in Steps(keyPath))
        {
            node = (node, step) switch
            {
                (YamlMappingNode mapping, string name) => mapping.Children
                    .FirstOrDefault(c => c.Key is YamlScalarNode key && string.Equals(key.Value, name, StringComparison.OrdinalIgnoreCase)).Value,
                (YamlSequenceNode sequence, int index) => index < sequence.Children.Count ? sequence.Children[index] : null,
                _ => null,
            };
            if (node is null)
            {
                break;
            }

            found = node;
        }

        return found is null ? null : FormattableString.Invariant($"{found.Start.Line}:{found.Start.Column}");
    }

    // "headers.rules[5].transforms[1]" → "headers", "rules", 5, "transforms", 1.
    private static IEnumerable<object> Steps(string keyPath)
    {
        foreach (var part in keyPath.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            yield return bracket < 0 ? part : part[..bracket];
            while (bracket >= 0)
            {
                var close = part.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(part.AsSpan(bracket + 1, close - bracket - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    yield break;
                }

                yield return index;
                bracket = part.IndexOf('[', close);
            }
        }
    }
}
