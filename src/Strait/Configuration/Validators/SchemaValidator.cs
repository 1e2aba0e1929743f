namespace Strait.Configuration.Validators;

/// <summary>The <c>schema</c> section, and whether any schema is given at all: files, code, or a cluster's reflection.</summary>
internal static class SchemaValidator
{
    /// <param name="schemaInCode">Whether descriptor sets are given in code besides the options' files.</param>
    public static void Validate(StraitOptions options, bool schemaInCode, List<string> errors)
    {
        var schema = options.Schema;
        var reflects = options.Backend.Reflection || options.Clusters.Values.Any(cluster => cluster.Reflection);
        if (!schemaInCode && schema.DescriptorSets.Count == 0 && schema.Protos.Count == 0 && !reflects)
        {
            errors.Add("schema: no schema: give --proto FILE or --descriptor-set FILE (schema.protos / schema.descriptorSets), or --reflect (backend.reflection: true)");
        }

        if (options.Backend.Reflection && options.Backend.Addresses.Count == 0 && options.Backend.Endpoints.Count == 0)
        {
            errors.Add("backend.reflection: there is nothing to reflect: give --backend HOST:PORT (backend.addresses)");
        }

        var reflection = schema.Reflection;
        if (reflection.RefreshInterval != TimeSpan.Zero && (reflection.RefreshInterval < TimeSpan.FromSeconds(1) || reflection.RefreshInterval > TimeSpan.FromDays(1)))
        {
            errors.Add($"schema.reflection.refreshInterval: must be 0 (off) or between 1 second and 1 day (it is {reflection.RefreshInterval})");
        }

        if (reflection.Timeout <= TimeSpan.Zero || reflection.Timeout > TimeSpan.FromHours(1))
        {
            errors.Add($"schema.reflection.timeout: must be between 0 and 1 hour (it is {reflection.Timeout})");
        }

        if (reflection.StartupTimeout < TimeSpan.Zero || reflection.StartupTimeout > TimeSpan.FromDays(1))
        {
            errors.Add($"schema.reflection.startupTimeout: must be between 0 and 1 day (it is {reflection.StartupTimeout})");
        }
    }
}
