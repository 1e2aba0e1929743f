using System.Text.Encodings.Web;
using System.Text.Json;

namespace Strait.Json;

/// <summary>
/// Writer settings for every JSON body Strait sends. Bodies are served as application/json, never inlined into
/// HTML, so only what JSON itself requires is escaped: a detail reads "Task 'x'" rather than "Task \u0027x\u0027".
/// </summary>
internal static class JsonWriting
{
    public static JsonWriterOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };
}
