using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Strait.Configuration;

/// <summary>Reads a YAML file into .NET configuration keys (<c>a:b:0:c</c>), so YAML, JSON and environment variables layer the usual way.</summary>
internal sealed class YamlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}

internal sealed class YamlConfigurationProvider : FileConfigurationProvider
{
    public YamlConfigurationProvider(YamlConfigurationSource source)
        : base(source)
    {
    }

    public override void Load(Stream stream)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(stream);
        try
        {
            yaml.Load(reader);
        }
        catch (YamlException e)
        {
            throw new FormatException($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }

        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (yaml.Documents.Count > 0)
        {
            Flatten(yaml.Documents[0].RootNode, null, data);
        }

        Data = data;
    }

    private static void Flatten(YamlNode node, string? prefix, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? string.Empty;
                    Flatten(value, prefix is null ? name : prefix + ConfigurationPath.KeyDelimiter + name, data);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Flatten(sequence.Children[i], prefix + ConfigurationPath.KeyDelimiter + i, data);
                }

                break;
            case YamlScalarNode scalar when prefix is not null:
                // `~` and an empty value are YAML's null: leave the key unset rather than binding "".
                data[prefix] = scalar.Value is null or "~" or "null" && scalar.Style == ScalarStyle.Plain ? null : scalar.Value;
                break;
        }
    }
}
