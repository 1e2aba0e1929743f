using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;

namespace Strait.Configuration;

internal static class YamlConfigurationExtensions
{
    public static IConfigurationBuilder AddYamlFile(this IConfigurationBuilder builder, string path, bool optional = false)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        return builder.Add(new YamlConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(System.IO.Path.GetDirectoryName(fullPath)!, Microsoft.Extensions.FileProviders.Physical.ExclusionFilters.None),
            Path = System.IO.Path.GetFileName(fullPath),
            Optional = optional,
            ReloadOnChange = false,
        });
    }
}
