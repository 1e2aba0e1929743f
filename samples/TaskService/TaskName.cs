using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Strait.Samples.TaskService;

/// <summary>Task resource names, <c>tasks/{id}</c>, and the generation of their ids.</summary>
internal static class TaskName
{
    private const string Prefix = "tasks/";
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Length of generated ids: 36^12 values make collisions negligible while staying easy to type.</summary>
    public const int IdLength = 12;

    /// <summary>The violation description for a malformed name.</summary>
    public const string FormatRule = "must be of the form tasks/{id}";

    public static string Format(string id) => Prefix + id;

    /// <summary>Extracts the id of a name of the form <c>tasks/{id}</c> where the id is non-empty and has no slash.</summary>
    public static bool TryParseId(string? name, [NotNullWhen(true)] out string? id)
    {
        id = null;
        if (name is null || !name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var candidate = name[Prefix.Length..];
        if (candidate.Length == 0 || candidate.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        id = candidate;
        return true;
    }

    /// <summary>A random, URL-safe id of <see cref="IdLength"/> lowercase letters and digits.</summary>
    public static string NewId() => RandomNumberGenerator.GetString(IdAlphabet, IdLength);
}
