using System.Buffers;
using System.Text;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>
/// Turns <c>google.api.http</c> rules into <see cref="HttpRoute"/>s, checking them against the method's descriptors.
/// </summary>
/// <remarks>
/// Path variables take proto field names and may go through singular message fields; the field they end on must be
/// a singular scalar or enum (not a message, not even a well-known type with a string form, not repeated, not a map).
/// <c>body</c> and <c>response_body</c> name top-level fields; a repeated or map body field is accepted.
/// </remarks>
internal static class HttpRuleReader
{
    private static readonly MessageParser<MethodOptions> OptionsParser =
        MethodOptions.Parser.WithExtensionRegistry(new ExtensionRegistry { AnnotationsExtensions.Http });

    // RFC 9110 token characters; they include '*', which http.proto uses as the "any method" kind.
    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>The method's <c>google.api.http</c> option, or null.</summary>
    public static HttpRule? GetAnnotation(MethodDescriptor method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var options = method.GetOptions();
        if (options is null)
        {
            return null;
        }

        if (options.HasExtension(AnnotationsExtensions.Http))
        {
            return options.GetExtension(AnnotationsExtensions.Http);
        }

        // Descriptors built at run time without an extension registry keep the option as an unknown field;
        // parsing the options again with the registry recovers it.
        var reparsed = OptionsParser.ParseFrom(options.ToByteString());
        return reparsed.HasExtension(AnnotationsExtensions.Http) ? reparsed.GetExtension(AnnotationsExtensions.Http) : null;
    }

    /// <summary>Reads the method's <c>google.api.http</c> option; a method without one has no routes.</summary>
    public static HttpRuleReadResult ReadAnnotation(MethodDescriptor method)
    {
        var rule = GetAnnotation(method);
        return rule is null ? HttpRuleReadResult.Empty : Read(method, rule, RouteSource.Annotation);
    }

    /// <summary>Reads a rule and its additional bindings.</summary>
    /// <param name="source"><see cref="RouteSource.Annotation"/> or <see cref="RouteSource.Config"/>.</param>
    public static HttpRuleReadResult Read(MethodDescriptor method, HttpRule rule, RouteSource source)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(rule);
        if (source is not (RouteSource.Annotation or RouteSource.Config))
        {
            throw new ArgumentOutOfRangeException(nameof(source), source, "A rule comes from an annotation or from configuration.");
        }

        var routes = new List<HttpRoute>(1 + rule.AdditionalBindings.Count);
        var errors = new List<HttpRuleError>();
        AddRoute(method, rule, source, routes, errors);
        foreach (var binding in rule.AdditionalBindings)
        {
            if (binding.AdditionalBindings.Count > 0)
            {
                errors.Add(new HttpRuleError(
                    method.FullName, Describe(binding), "an additional binding cannot have additional bindings"));
            }

            AddRoute(method, binding, RouteSource.AdditionalBinding, routes, errors);
        }

        return new HttpRuleReadResult(routes, errors);
    }

    private static void AddRoute(
        MethodDescriptor method, HttpRule rule, RouteSource source, List<HttpRoute> routes, List<HttpRuleError> errors)
    {
        var problems = new List<string>();
        var (httpMethod, path) = GetPattern(rule, problems);
        PathTemplate? template = null;
        if (path is not null)
        {
            try
            {
                template = PathTemplate.Parse(path);
            }
            catch (PathTemplateException e)
            {
                problems.Add(e.Message);
            }
        }

        var variablePaths = template is null ? [] : ResolveVariables(method.InputType, template, problems);
        var body = ResolveBody(method.InputType, rule.Body, problems);
        var responseBody = ResolveResponseBody(method.OutputType, rule.ResponseBody, problems);

        if (problems.Count == 0)
        {
            routes.Add(new HttpRoute(httpMethod!, template!, method, body, responseBody, variablePaths, source));
            return;
        }

        var description = Describe(rule);
        foreach (var problem in problems)
        {
            errors.Add(new HttpRuleError(method.FullName, description, problem));
        }
    }

    private static (string? HttpMethod, string? Path) GetPattern(HttpRule rule, List<string> problems)
    {
        switch (rule.PatternCase)
        {
            case HttpRule.PatternOneofCase.Get:
                return ("GET", rule.Get);
            case HttpRule.PatternOneofCase.Put:
                return ("PUT", rule.Put);
            case HttpRule.PatternOneofCase.Post:
                return ("POST", rule.Post);
            case HttpRule.PatternOneofCase.Delete:
                return ("DELETE", rule.Delete);
            case HttpRule.PatternOneofCase.Patch:
                return ("PATCH", rule.Patch);
            case HttpRule.PatternOneofCase.Custom:
                var kind = rule.Custom.Kind;
                if (kind.Length == 0 || kind.AsSpan().IndexOfAnyExcept(TokenCharacters) >= 0)
                {
                    problems.Add($"custom kind '{kind}' is not an HTTP method name");
                    return (null, rule.Custom.Path);
                }

                return (kind.ToUpperInvariant(), rule.Custom.Path);
            default:
                problems.Add("the rule has no pattern (get, put, post, delete, patch or custom)");
                return (null, null);
        }
    }

    private static IReadOnlyList<IReadOnlyList<FieldDescriptor>> ResolveVariables(
        MessageDescriptor input, PathTemplate template, List<string> problems)
    {
        var paths = new IReadOnlyList<FieldDescriptor>[template.Variables.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            var name = template.Variables[i].FieldPath;
            var resolution = FieldPathResolver.Resolve(input, name, FieldNameMatching.ProtoName);
            if (!resolution.Succeeded)
            {
                problems.Add($"path variable '{name}': {resolution.Error}");
                continue;
            }

            var leaf = resolution.Fields[^1];
            if (leaf.IsRepeated)
            {
                problems.Add($"path variable '{name}' is a repeated or map field; it must be a singular scalar or enum");
            }
            else if (leaf.FieldType is FieldType.Message or FieldType.Group)
            {
                problems.Add(
                    $"path variable '{name}' is a message field ({leaf.MessageType.FullName}); it must be a scalar or enum");
            }

            paths[i] = resolution.Fields;
        }

        return Array.AsReadOnly(paths);
    }

    private static RouteBody? ResolveBody(MessageDescriptor input, string body, List<string> problems)
    {
        if (body.Length == 0)
        {
            return null;
        }

        if (body == "*")
        {
            return RouteBody.WholeMessage;
        }

        var field = FindTopLevelField(input, body, "body", problems);
        return field is null ? null : RouteBody.ForField(field);
    }

    private static FieldDescriptor? ResolveResponseBody(MessageDescriptor output, string responseBody, List<string> problems) =>
        responseBody.Length == 0 ? null : FindTopLevelField(output, responseBody, "response_body", problems);

    private static FieldDescriptor? FindTopLevelField(
        MessageDescriptor message, string name, string what, List<string> problems)
    {
        if (name.Contains('.', StringComparison.Ordinal))
        {
            problems.Add($"{what} '{name}' must name a top-level field of {message.FullName}, not a path");
            return null;
        }

        var field = message.FindFieldByName(name);
        if (field is null)
        {
            problems.Add($"{what} '{name}' is not a field of {message.FullName}");
        }

        return field;
    }

    private static string Describe(HttpRule rule)
    {
        var text = new StringBuilder();
        text.Append(rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => $"get \"{rule.Get}\"",
            HttpRule.PatternOneofCase.Put => $"put \"{rule.Put}\"",
            HttpRule.PatternOneofCase.Post => $"post \"{rule.Post}\"",
            HttpRule.PatternOneofCase.Delete => $"delete \"{rule.Delete}\"",
            HttpRule.PatternOneofCase.Patch => $"patch \"{rule.Patch}\"",
            HttpRule.PatternOneofCase.Custom => $"custom {rule.Custom.Kind} \"{rule.Custom.Path}\"",
            _ => "no pattern",
        });
        if (rule.Body.Length > 0)
        {
            text.Append(" body \"").Append(rule.Body).Append('"');
        }

        if (rule.ResponseBody.Length > 0)
        {
            text.Append(" response_body \"").Append(rule.ResponseBody).Append('"');
        }

        return text.ToString();
    }
}
