using System.Globalization;
using System.Text.Json;

namespace Strait.Json;

/// <summary>
/// Says what is wrong with malformed JSON in the client's terms: what was expected, and where (line and column, counted
/// from 1). System.Text.Json's messages name its reader's internals (<c>LineNumber: 0 | BytePositionInLine: 1</c>,
/// <c>isFinalBlock</c>, reader options), which mean nothing to a client.
/// </summary>
internal static class JsonSyntaxError
{
    public const string EndOfInput = "unexpected end of input";

    /// <summary>Describes a failure of a reader that may have seen only part of the document (no position is given).</summary>
    public static string Describe(JsonException exception) => Describe(exception, default, withPosition: false);

    /// <summary>Describes a failure of a reader that read <paramref name="json"/> from its start.</summary>
    public static string Describe(JsonException exception, ReadOnlySpan<byte> json) => Describe(exception, json, withPosition: true);

    private static string Describe(JsonException exception, ReadOnlySpan<byte> json, bool withPosition)
    {
        var text = exception.Message;
        var position = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var sentence = (position < 0 ? text : text[..position]).TrimEnd().TrimEnd('.');
        if (sentence.Contains("after a single JSON value", StringComparison.Ordinal))
        {
            return Located("unexpected content after the end of the JSON value", exception, withPosition);
        }

        if (sentence.Contains("reached end of data", StringComparison.Ordinal)
            || sentence.StartsWith("Expected depth to be zero", StringComparison.Ordinal)
            || sentence.Contains("isFinalBlock", StringComparison.Ordinal)
            || (withPosition && IsAtEnd(exception, json)))
        {
            return EndOfInput;
        }

        var what = sentence.Contains("start of a property name", StringComparison.Ordinal) || sentence.Contains("object contains a trailing comma", StringComparison.Ordinal)
                ? "expected a property name in double quotes"
            : sentence.Contains("array contains a trailing comma", StringComparison.Ordinal) ? "expected a value after ','"
            : sentence;
        return Located(what, exception, withPosition);
    }

    private static string Located(string what, JsonException exception, bool withPosition) =>
        withPosition && exception.LineNumber is { } line && exception.BytePositionInLine is { } column
            ? string.Create(CultureInfo.InvariantCulture, $"{what} (line {line + 1}, column {column + 1})")
            : what;

    // The reader failed where the document ends (a number or literal cut off there, say): it ended too early.
    private static bool IsAtEnd(JsonException exception, ReadOnlySpan<byte> json)
    {
        if (exception.LineNumber is not { } line || exception.BytePositionInLine is not { } column)
        {
            return false;
        }

        var lineStart = 0;
        for (var i = 0L; i < line; i++)
        {
            var next = json[lineStart..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return false;
            }

            lineStart += next + 1;
        }

        return lineStart + column >= json.TrimEnd(" \t\r\n"u8).Length;
    }
}
