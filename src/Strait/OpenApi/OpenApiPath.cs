using System.Text;
using Strait.Routing;

namespace Strait.OpenApi;

/// <summary>
/// A route template as an OpenAPI path. A variable whose pattern is one <c>*</c> is one parameter. A variable with a
/// longer pattern (<c>{name=tasks/*}</c>) keeps its literal segments in the path and gets a parameter per wildcard
/// (<c>/v1/tasks/{name}</c>), because OpenAPI clients percent-encode a slash inside a parameter, and the gateway keeps
/// such a slash encoded: the document must show where the slashes go.
/// </summary>
internal sealed record OpenApiPath(string Path, IReadOnlyList<OpenApiPathParameter> Parameters)
{
    /// <summary>The path with its parameter names left out: equal shapes are the same path to OpenAPI.</summary>
    public string Shape
    {
        get
        {
            var shape = Path;
            foreach (var parameter in Parameters)
            {
                shape = shape.Replace("{" + parameter.Name + "}", "{}", StringComparison.Ordinal);
            }

            return shape;
        }
    }

    /// <summary>
    /// The same path with the parameters of <paramref name="canonical"/> (of the same shape): OpenAPI allows one set of
    /// names per path, so <c>{name=tasks/*}</c> and <c>{task.name=tasks/*}</c> share the first one's. Each parameter
    /// keeps its own description, which names the field it binds.
    /// </summary>
    public OpenApiPath Renamed(OpenApiPath canonical) =>
        new(canonical.Path, [.. Parameters.Select((p, i) => p with { Name = canonical.Parameters[i].Name })]);

    public static OpenApiPath Of(PathTemplate template)
    {
        var path = new StringBuilder();
        var parameters = new List<OpenApiPathParameter>();
        var segments = template.Segments;
        for (var i = 0; i < segments.Count; i++)
        {
            path.Append('/');
            var variable = template.Variables.FirstOrDefault(v => i >= v.StartSegment && i < v.EndSegment);
            var segment = segments[i];
            if (segment.Kind == TemplateSegmentKind.Literal)
            {
                path.Append(segment.Literal);
                continue;
            }

            var wildcards = variable is null ? 0 : CountWildcards(template, variable);
            var name = variable is null ? $"segment{i}" : wildcards == 1 ? variable.FieldPath : $"{variable.FieldPath}.{WildcardIndex(template, variable, i)}";
            var pattern = variable is null ? segment.Literal : string.Join('/', segments.Skip(variable.StartSegment).Take(variable.EndSegment - variable.StartSegment).Select(s => s.Literal));
            var description = variable is null
                ? "A segment the template matches but binds to no field."
                : variable.EndSegment - variable.StartSegment == 1
                    ? $"The request field `{variable.FieldPath}`."
                    : $"Part of the request field `{variable.FieldPath}`, which is the path's `{pattern}` section as a whole.";
            parameters.Add(new OpenApiPathParameter(name, description, segment.Kind == TemplateSegmentKind.MultiWildcard));
            path.Append('{').Append(name).Append('}');
        }

        if (segments.Count == 0)
        {
            path.Append('/');
        }

        if (template.Verb is { } verb)
        {
            path.Append(':').Append(verb);
        }

        return new OpenApiPath(path.ToString(), parameters);
    }

    private static int CountWildcards(PathTemplate template, PathVariable variable) =>
        template.Segments.Skip(variable.StartSegment).Take(variable.EndSegment - variable.StartSegment).Count(s => s.Kind != TemplateSegmentKind.Literal);

    private static int WildcardIndex(PathTemplate template, PathVariable variable, int segment) =>
        template.Segments.Skip(variable.StartSegment).Take(segment - variable.StartSegment + 1).Count(s => s.Kind != TemplateSegmentKind.Literal);
}

/// <summary>A path parameter: its name in the OpenAPI path, what it binds, and whether it takes the rest of the path.</summary>
internal sealed record OpenApiPathParameter(string Name, string Description, bool RestOfPath);
