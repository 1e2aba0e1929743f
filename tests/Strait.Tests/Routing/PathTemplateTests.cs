using Strait.Routing;

namespace Strait.Tests.Routing;

public class PathTemplateTests
{
    [Theory]
    [InlineData("/v1/tasks", "/v1/tasks")]
    [InlineData("/v1/{name}", "/v1/{name}")]
    [InlineData("/v1/{name=*}", "/v1/{name}")]
    [InlineData("/v1/{name=tasks/*}", "/v1/{name=tasks/*}")]
    [InlineData("/v1/{a.b.c=**}", "/v1/{a.b.c=**}")]
    [InlineData("/v1/{name=projects/*/locations/*}:verb", "/v1/{name=projects/*/locations/*}:verb")]
    [InlineData("/**", "/**")]
    [InlineData("/v1/*/x/**:run", "/v1/*/x/**:run")]
    [InlineData("/v1/tasks:batchCreate", "/v1/tasks:batchCreate")]
    [InlineData("/a/{x=b/**}", "/a/{x=b/**}")]
    [InlineData("/pkg.Svc/Method", "/pkg.Svc/Method")]
    [InlineData("/v1/$a&b'(c)+d,e;f=g@h!", "/v1/$a&b'(c)+d,e;f=g@h!")]
    [InlineData("/v1/v%31/%7euser/a%2fb:%61ct", "/v1/v1/~user/a%2Fb:act")]
    public void Parses_and_prints_canonically(string template, string canonical)
    {
        Assert.Equal(canonical, PathTemplate.Parse(template).ToString());
        Assert.Equal(canonical, PathTemplate.Parse(canonical).ToString());
    }

    [Fact]
    public void Multi_segment_variable_with_verb_has_its_segment_range()
    {
        var template = PathTemplate.Parse("/v1/{name=projects/*/locations/*}:verb");

        Assert.Equal(["v1", "projects", "*", "locations", "*"], template.Segments.Select(s => s.Literal));
        Assert.Equal(
            [TemplateSegmentKind.Literal, TemplateSegmentKind.Literal, TemplateSegmentKind.SingleWildcard,
             TemplateSegmentKind.Literal, TemplateSegmentKind.SingleWildcard],
            template.Segments.Select(s => s.Kind));
        var variable = Assert.Single(template.Variables);
        Assert.Equal("name", variable.FieldPath);
        Assert.Equal(1, variable.StartSegment);
        Assert.Equal(5, variable.EndSegment);
        Assert.True(variable.CapturesMultipleSegments);
        Assert.Equal("verb", template.Verb);
    }

    [Fact]
    public void Double_wildcard_variable_is_multi_segment_and_single_variable_is_not()
    {
        var template = PathTemplate.Parse("/v1/{a.b.c=**}");
        var deep = Assert.Single(template.Variables);
        Assert.Equal("a.b.c", deep.FieldPath);
        Assert.Equal(TemplateSegmentKind.MultiWildcard, template.Segments[1].Kind);
        Assert.True(deep.CapturesMultipleSegments);
        Assert.Null(template.Verb);

        var single = Assert.Single(PathTemplate.Parse("/v1/{id}").Variables);
        Assert.False(single.CapturesMultipleSegments);
        Assert.Equal(1, single.StartSegment);
        Assert.Equal(2, single.EndSegment);
    }

    [Theory]
    [InlineData("", 0, "a template must start with '/'")]
    [InlineData("v1/tasks", 0, "a template must start with '/'")]
    [InlineData("/", 1, "expected a segment")]
    [InlineData("/v1/", 4, "expected a segment")]
    [InlineData("/v1//tasks", 4, "expected a segment")]
    [InlineData("/v1/**/x", 7, "'**' must be the last segment")]
    [InlineData("/{x=**}/x", 8, "'**' must be the last segment")]
    [InlineData("/v1/***", 6, "unexpected '*'")]
    [InlineData("/v1/{name", 9, "expected '}' to close the variable opened at position 4")]
    [InlineData("/v1/{na-me}", 7, "expected '}' to close the variable opened at position 4")]
    [InlineData("/v1/{}", 5, "expected a field name")]
    [InlineData("/v1/{a.}", 7, "expected a field name")]
    [InlineData("/v1/{1a}", 5, "expected a field name")]
    [InlineData("/v1/{a={b}}", 7, "nested variables are not allowed")]
    [InlineData("/v1/{a}/{a}", 9, "field 'a' is bound twice")]
    [InlineData("/v1/{x=}", 7, "expected a segment")]
    [InlineData("/v1/tasks:", 10, "expected a verb")]
    [InlineData("/v1/tasks:a/b", 11, "the verb must come last")]
    [InlineData("/v1/tasks:a:b", 11, "unexpected ':'")]
    [InlineData("/v1/tasks}", 9, "unexpected '}'")]
    [InlineData("/v1/ta sks", 6, "' ' is not allowed in a literal")]
    [InlineData("/v1/a*b", 5, "'*' is not allowed in a literal")]
    [InlineData("/v1/caf\u00e9", 7, "'\u00e9' is not allowed in a literal")]
    [InlineData("/v1/%zz", 4, "'%' must be followed by two hex digits")]
    [InlineData("/v1/a%4", 5, "'%' must be followed by two hex digits")]
    public void Rejects_invalid_templates_naming_position_and_problem(string template, int position, string problem)
    {
        var error = Assert.Throws<PathTemplateException>(() => PathTemplate.Parse(template));

        Assert.Equal(problem, error.Problem);
        Assert.Equal(position, error.Position);
        Assert.Equal(template, error.Template);
        Assert.Contains($"at position {position}", error.Message, StringComparison.Ordinal);
    }
}
