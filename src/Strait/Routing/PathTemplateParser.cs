namespace Strait.Routing;

/// <summary>Recursive-descent parser for <see cref="PathTemplate"/>; one instance parses one template.</summary>
internal sealed class PathTemplateParser
{
    private readonly string _text;
    private readonly List<TemplateSegment> _segments = [];
    private readonly List<PathVariable> _variables = [];
    private int _position;
    private bool _sawMultiWildcard;

    public PathTemplateParser(string text)
    {
        _text = text;
    }

    private bool AtEnd => _position >= _text.Length;

    private char Current => _text[_position];

    public PathTemplate Parse()
    {
        if (AtEnd || Current != '/')
        {
            throw Error(0, "a template must start with '/'");
        }

        _position++;
        ParseSegments(insideVariable: false);

        string? verb = null;
        if (!AtEnd && Current == ':')
        {
            _position++;
            verb = ParseLiteral("a verb");
        }

        if (!AtEnd)
        {
            throw Current == '/' && verb is not null
                ? Error(_position, "the verb must come last")
                : Error(_position, $"unexpected '{Current}'");
        }

        return new PathTemplate([.. _segments], [.. _variables], verb);
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

            _position++;
        }
    }

    private void ParseSegment(bool insideVariable)
    {
        if (_sawMultiWildcard)
        {
            throw Error(_position, "'**' must be the last segment");
        }

        if (AtEnd || Current is '/' or ':' or '}')
        {
            throw Error(_position, "expected a segment");
        }

        switch (Current)
        {
            case '*':
                ParseWildcard();
                break;
            case '{' when insideVariable:
                throw Error(_position, "nested variables are not allowed");
            case '{':
                ParseVariable();
                break;
            default:
                _segments.Add(new TemplateSegment(TemplateSegmentKind.Literal, ParseLiteral("a literal")));
                break;
        }
    }

    private void ParseWildcard()
    {
        _position++;
        if (AtEnd || Current != '*')
        {
            _segments.Add(TemplateSegment.SingleWildcard);
            return;
        }

        _position++;
        if (!AtEnd && Current == '*')
        {
            throw Error(_position, "unexpected '*'");
        }

        _segments.Add(TemplateSegment.MultiWildcard);
        _sawMultiWildcard = true;
    }

    private void ParseVariable()
    {
        var open = _position++;
        var fieldPath = ParseFieldPath();
        foreach (var existing in _variables)
        {
            if (existing.FieldPath == fieldPath)
            {
                throw Error(open + 1, $"field '{fieldPath}' is bound twice");
            }
        }

        var start = _segments.Count;
        if (!AtEnd && Current == '=')
        {
            _position++;
            ParseSegments(insideVariable: true);
        }
        else
        {
            _segments.Add(TemplateSegment.SingleWildcard);
        }

        if (AtEnd || Current != '}')
        {
            throw Error(_position, $"expected '}}' to close the variable opened at position {open}");
        }

        _position++;
        var end = _segments.Count;
        var multiple = end - start > 1 || _segments[end - 1].Kind == TemplateSegmentKind.MultiWildcard;
        _variables.Add(new PathVariable(fieldPath, start, end, multiple));
    }

    private string ParseFieldPath()
    {
        var start = _position;
        while (true)
        {
            if (AtEnd || !(char.IsAsciiLetter(Current) || Current == '_'))
            {
                throw Error(_position, "expected a field name");
            }

            while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_'))
            {
                _position++;
            }

            if (AtEnd || Current != '.')
            {
                return _text[start.._position];
            }

            _position++;
        }
    }

    private string ParseLiteral(string what)
    {
        var start = _position;
        while (!AtEnd)
        {
            var c = Current;
            if (c == '%')
            {
                if (_position + 2 >= _text.Length
                    || !PercentEncoding.IsHexDigit(_text[_position + 1])
                    || !PercentEncoding.IsHexDigit(_text[_position + 2]))
                {
                    throw Error(_position, "'%' must be followed by two hex digits");
                }

                _position += 3;
            }
            else if (IsLiteralCharacter(c))
            {
                _position++;
            }
            else if (c is '/' or ':' or '}')
            {
                break;
            }
            else
            {
                throw Error(_position, $"'{c}' is not allowed in {what}");
            }
        }

        if (_position == start)
        {
            throw Error(_position, $"expected {what}");
        }

        return PercentEncoding.Normalize(_text[start.._position]);
    }

    // RFC 3986 pchar without ':' (it starts the verb), '*' (wildcards) and '%' (handled as an escape).
    private static bool IsLiteralCharacter(char c) =>
        PercentEncoding.IsUnreserved(c) || c is '!' or '$' or '&' or '\'' or '(' or ')' or '+' or ',' or ';' or '='
            or '@';

    private PathTemplateException Error(int position, string problem) => new(_text, position, problem);
}
