using System.Globalization;
using Google.Rpc;

namespace Strait.Samples.TaskService;

/// <summary>gRPC status codes by their canonical names (<c>UNAVAILABLE</c>) as used in headers and messages.</summary>
internal static class RpcCodes
{
    private static readonly Dictionary<Code, string> Names = CodeReflection.Descriptor.EnumTypes
        .Single(type => type.ClrType == typeof(Code))
        .Values
        .ToDictionary(value => (Code)value.Number, value => value.Name);

    private static readonly Dictionary<string, Code> CodesByName =
        Names.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    public static string Name(Code code) => Names[code];

    /// <summary>Parses an error code given by name (<c>UNAVAILABLE</c>, any case) or number (<c>14</c>); OK is not an error.</summary>
    public static bool TryParseError(string text, out Code code)
    {
        var trimmed = text.Trim();
        if (int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            code = (Code)number;
            return number != (int)Code.Ok && Names.ContainsKey(code);
        }

        return CodesByName.TryGetValue(trimmed, out code) && code != Code.Ok;
    }
}
