using System.Globalization;
using System.Text;

namespace Strait.Json;

/// <summary>
/// The JSON (or text) input does not describe a valid message of the requested type.
/// <see cref="Exception.Message"/> names the problem; <see cref="JsonPath"/> locates it.
/// </summary>
internal sealed class ProtoJsonException : Exception
{
    // Segments are collected innermost-first while the exception unwinds the recursive
    // transcoder, so the happy path never pays for path bookkeeping.
    private readonly List<string> reversedSegments = [];
    private readonly string? fixedPath;

    public ProtoJsonException()
        : this("invalid ProtoJSON input")
    {
    }

    public ProtoJsonException(string message)
        : base(message)
    {
    }

    public ProtoJsonException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception whose location is given verbatim (used for dotted field paths of text bindings).</summary>
    public ProtoJsonException(string message, string jsonPath)
        : base(message)
    {
        fixedPath = jsonPath;
    }

    /// <summary>Where the problem is: <c>$</c>, <c>$.task.tags[2]</c>, <c>$.labels["k"]</c>, or a dotted field path for text bindings.</summary>
    public string JsonPath => fixedPath ?? BuildPath();

    internal ProtoJsonException AtProperty(string name)
    {
        reversedSegments.Add("." + name);
        return this;
    }

    internal ProtoJsonException AtIndex(int index)
    {
        reversedSegments.Add("[" + index.ToString(CultureInfo.InvariantCulture) + "]");
        return this;
    }

    internal ProtoJsonException AtMapKey(string key)
    {
        var builder = new StringBuilder(key.Length + 4).Append("[\"");
        foreach (var c in key)
        {
            _ = c is '"' or '\\' ? builder.Append('\\').Append(c) : builder.Append(c);
        }

        reversedSegments.Add(builder.Append("\"]").ToString());
        return this;
    }

    private string BuildPath()
    {
        var builder = new StringBuilder("$");
        for (var i = reversedSegments.Count - 1; i >= 0; i--)
        {
            builder.Append(reversedSegments[i]);
        }

        return builder.ToString();
    }
}
