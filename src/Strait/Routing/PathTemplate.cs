using System.Text;

namespace Strait.Routing;

/// <summary>
/// A parsed <c>google.api.http</c> path template:
/// <c>Template = "/" Segments [ Verb ]; Segments = Segment { "/" Segment }; Segment = "*" | "**" | LITERAL | Variable;
/// Variable = "{" FieldPath [ "=" Segments ] "}"; FieldPath = IDENT { "." IDENT }; Verb = ":" LITERAL</c>.
/// </summary>
/// <remarks>
/// Literals and the verb are kept in canonical percent-encoding (escapes of unreserved characters decoded, other
/// escapes upper-cased), which is also how request segments are compared. A literal may use RFC 3986 unreserved
/// characters, the sub-delimiters except <c>*</c>, <c>@</c> and escapes; <c>:</c> only introduces the verb.
/// </remarks>
internal sealed class PathTemplate
{
    private readonly TemplateSegment[] segments;
    private readonly PathVariable[] variables;
    private readonly string text;

    internal PathTemplate(TemplateSegment[] segments, PathVariable[] variables, string? verb)
    {
        this.segments = segments;
        this.variables = variables;
        Segments = Array.AsReadOnly(segments);
        Variables = Array.AsReadOnly(variables);
        Verb = verb;
        text = Format();
    }

    public IReadOnlyList<TemplateSegment> Segments { get; }

    public IReadOnlyList<PathVariable> Variables { get; }

    /// <summary>The custom verb without its colon, or null.</summary>
    public string? Verb { get; }

    /// <exception cref="PathTemplateException">The template does not follow the grammar.</exception>
    public static PathTemplate Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new PathTemplateParser(template).Parse();
    }

    /// <summary>The canonical text: <c>{x=*}</c> is written <c>{x}</c>, literals in canonical encoding.</summary>
    public override string ToString() => text;

    private string Format()
    {
        var builder = new StringBuilder();
        var variableIndex = 0;
        for (var i = 0; i < segments.Length; i++)
        {
            builder.Append('/');
            if (variableIndex < variables.Length && variables[variableIndex].StartSegment == i)
            {
                var variable = variables[variableIndex++];
                AppendVariable(builder, variable);
                i = variable.EndSegment - 1;
            }
            else
            {
                builder.Append(segments[i].Literal);
            }
        }

        if (Verb is not null)
        {
            builder.Append(':').Append(Verb);
        }

        return builder.ToString();
    }

    private void AppendVariable(StringBuilder builder, PathVariable variable)
    {
        builder.Append('{').Append(variable.FieldPath);
        var isPlainWildcard = variable.EndSegment - variable.StartSegment == 1
            && segments[variable.StartSegment].Kind == TemplateSegmentKind.SingleWildcard;
        if (!isPlainWildcard)
        {
            builder.Append('=');
            for (var i = variable.StartSegment; i < variable.EndSegment; i++)
            {
                if (i > variable.StartSegment)
                {
                    builder.Append('/');
                }

                builder.Append(segments[i].Literal);
            }
        }

        builder.Append('}');
    }
}
