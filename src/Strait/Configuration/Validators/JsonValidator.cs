namespace Strait.Configuration.Validators;

/// <summary>The <c>json</c> section: how deep the codec reads and writes.</summary>
internal static class JsonValidator
{
    public static void Validate(JsonOptions options, List<string> errors)
    {
        if (options.MaxDepth is < 1 or > 1000)
        {
            errors.Add("json.maxDepth: must be between 1 and 1000");
        }

        if (options.MaxResponseDepth is < 1 or > 1000)
        {
            errors.Add("json.maxResponseDepth: must be between 1 and 1000");
        }
    }
}
