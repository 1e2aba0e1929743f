using Microsoft.Extensions.Configuration;
using Strait.Configuration;
using Strait.Headers;

namespace Strait.Hosting;

/// <summary>
/// Builds <see cref="StraitOptions"/> from, in rising precedence: the configuration file (YAML or JSON),
/// <c>STRAIT_</c> environment variables (<c>STRAIT_BACKEND__TIMEOUT=00:00:05</c>), and command-line overrides, and
/// checks them (<see cref="StraitSettings.Validate"/>). Unknown keys and unparsable values are errors, not silently
/// ignored; the first one found stops binding, while the values bound are checked all at once.
/// </summary>
internal static class StraitConfiguration
{
    public const string EnvironmentPrefix = "STRAIT_";

    /// <param name="requireBackend">Whether the default cluster must have endpoints (serving), or not (printing routes).</param>
    /// <param name="transforms">The header transforms rules may name: the built-ins when null.</param>
    /// <exception cref="StraitConfigurationException">The file cannot be read or bound, or the configuration holds errors: all of them.</exception>
    public static StraitSettings Load(string? configFile, IReadOnlyDictionary<string, string?> overrides, bool requireBackend = true, HeaderTransformRegistry? transforms = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new StraitConfigurationException($"configuration file '{configFile}' does not exist");
            }

            var extension = Path.GetExtension(configFile).ToLowerInvariant();
            switch (extension)
            {
                case ".yaml" or ".yml":
                    builder.AddYamlFile(configFile);
                    break;
                case ".json":
                    builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
                    break;
                default:
                    throw new StraitConfigurationException($"configuration file '{configFile}' must end in .yaml, .yml or .json");
            }
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(overrides);

        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new StraitConfigurationException($"cannot read '{configFile}': {(e.InnerException ?? e).Message}", e);
        }

        var options = new StraitOptions();
        try
        {
            configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new StraitConfigurationException("configuration error: " + (e.InnerException?.Message is { } inner ? e.Message + " " + inner : e.Message), e);
        }

        return StraitSettings.Validate(options, new ValidationContext { RequireBackend = requireBackend, Source = configFile, Transforms = transforms });
    }
}
