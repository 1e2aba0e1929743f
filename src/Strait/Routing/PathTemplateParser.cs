namespace Strait.Routing;

/// <summary>Recursive-descent parser for <see cref="PathTemplate"/>; one instance parses one template.</summary>
internal sealed class PathTemplateParser
{
    private readonly string text;
    private readonly List<TemplateSegment> segments = [];
    private readonly List<PathVariable> variables = [];
    private int position;
    private bool sawMultiWildcard;

    public PathTemplateParser(string text)
    {
        this.text = text;
    }

    private bool AtEnd => position >= text.Length;

    private char Current => text[position];

    public PathTemplate Parse()
    {
        if (AtEnd || Current != '/')
        {
            throw Error(0, "a template must start with '/'");
        }

        position++;
        ParseSegments(insideVariable: false);

        string? verb = null;
        if (!AtEnd && Current == ':')
        {
            position++;
            verb = ParseLiteral("a verb");
        }

        if (!AtEnd)
        {
            throw Current == '/' && verb is not null
                ? Error(position, "the verb must come last")
                : Error(position, $"unexpected '{Current}'");
        }

        return new PathTemplate([.. segments], [.. variables], verb);
    }

    private void ParseSegments(bool insideVariable)
    {
        while (true)
        {
            ParseSegment(insideVariable);
            if (AtEnd || Current != '/')
            {
                return;
            }

            position++;
        }
    }

    private void ParseSegment(bool insideVariable)
    {
        if (sawMultiWildcard)
        {
            throw Error(position, "'**' must be the last segment");
        }

        if (AtEnd || Current is '/' or ':' or '}')
        {
            throw Error(position, "expected a segment");
        }

        switch (Current)
        {
            case '*':
                ParseWildcard();
                break;
            case '{' when insideVariable:
                throw Error(position, "nested variables are not allowed");
            case '{':
                ParseVariable();
                break;
            default:
                segments.Add(new TemplateSegment(TemplateSegmentKind.Literal, ParseLiteral("a literal")));
                break;
        }
    }

    private void ParseWildcard()
    {
        position++;
        if (AtEnd || Current != '*')
        {
            segments.Add(TemplateSegment.SingleWildcard);
            return;
        }

        position++;
        if (!AtEnd && Current == '*')
        {
            throw Error(position, "unexpected '*'");
        }

        segments.Add(TemplateSegment.MultiWildcard);
        sawMultiWildcard = true;
    }

    private void ParseVariable()
    {
        var open = position++;
        var fieldPath = ParseFieldPath();
        foreach (var existing in variables)
        {
            if (existing.FieldPath == fieldPath)
            {
                throw Error(open + 1, $"field '{fieldPath}' is bound twice");
            }
        }

        var start = segments.Count;
        if (!AtEnd && Current == '=')
        {
            position++;
            ParseSegments(insideVariable: true);
        }
        else
        {
            segments.Add(TemplateSegment.SingleWildcard);
        }

        if (AtEnd || Current != '}')
        {
            throw Error(position, $"expected '}}' to close the variable opened at position {open}");
        }

        position++;
        var end = segments.Count;
        var multiple = end - start > 1 || segments[end - 1].Kind == TemplateSegmentKind.MultiWildcard;
        variables.Add(new PathVariable(fieldPath, start, end, multiple));
    }

    private string ParseFieldPath()
    {
        var start = position;
        while (true)
        {
            if (AtEnd || !(char.IsAsciiLetter(Current) || Current == '_'))
            {
                throw Error(position, "expected a field name");
            }

            while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_'))
            {
                position++;
            }

            if (AtEnd || Current != '.')
            {
                return text[start..position];
            }

            position++;
        }
    }

    private string ParseLiteral(string what)
    {
        var start = position;
        while (!AtEnd)
        {
            var c = Current;
            if (c == '%')
            {
                if (position + 2 >= text.Length
                    || !PercentEncoding.IsHexDigit(text[position + 1])
                    || !PercentEncoding.IsHexDigit(text[position + 2]))
                {
                    throw Error(position, "'%' must be followed by two hex digits");
                }

                position += 3;
            }
            else if (IsLiteralCharacter(c))
            {
                position++;
            }
            else if (c is '/' or ':' or '}')
            {
                break;
            }
            else
            {
                throw Error(position, $"'{c}' is not allowed in {what}");
            }
        }

        if (position == start)
        {
            throw Error(position, $"expected {what}");
        }

        return PercentEncoding.Normalize(text[start..position]);
    }

    // RFC 3986 pchar without ':' (it starts the verb), '*' (wildcards) and '%' (handled as an escape).
    private static bool IsLiteralCharacter(char c) =>
        PercentEncoding.IsUnreserved(c) || c is '!' or '$' or '&' or '\'' or '(' or ')' or '+' or ',' or ';' or '='
            or '@';

    private PathTemplateException Error(int position, string problem) => new(text, position, problem);
}
