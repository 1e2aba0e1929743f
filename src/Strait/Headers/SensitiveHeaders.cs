namespace Strait.Headers;

/// <summary>Keeps secrets out of logs: values of sensitive headers are shown by length only.</summary>
internal static class SensitiveHeaders
{
    public static readonly string[] BuiltIn = ["authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"];

    public static string Show(string header, HeaderMappingPlan plan, string value) =>
        plan.Sensitive.Contains(header) ? $"<{value.Length} characters, masked>" : value;
}
