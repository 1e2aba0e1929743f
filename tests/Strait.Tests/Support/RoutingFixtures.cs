using Google.Api;
using Google.Protobuf.Reflection;
using Strait.Routing;
using Strait.Tests.Routing.Protos;

namespace Strait.Tests.Support;

/// <summary>Descriptors of the routing test protos and shorthands for building routes and tables from them.</summary>
internal static class RoutingFixtures
{
    public static ServiceDescriptor ProbeService { get; } =
        RoutingProbeReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ProbeService");

    public static ServiceDescriptor TodoService { get; } =
        RoutingTodoReflection.Descriptor.FindTypeByName<ServiceDescriptor>("TodoService");

    public static MethodDescriptor Call { get; } = ProbeService.FindMethodByName("Call");

    public static MethodDescriptor Other { get; } = ProbeService.FindMethodByName("Other");

    public static MethodDescriptor TodoMethod(string name) => TodoService.FindMethodByName(name);

    public static HttpRule Rule(string httpMethod, string path, string body = "", string responseBody = "")
    {
        var rule = new HttpRule { Body = body, ResponseBody = responseBody };
        switch (httpMethod)
        {
            case "GET":
                rule.Get = path;
                break;
            case "PUT":
                rule.Put = path;
                break;
            case "POST":
                rule.Post = path;
                break;
            case "DELETE":
                rule.Delete = path;
                break;
            case "PATCH":
                rule.Patch = path;
                break;
            default:
                rule.Custom = new CustomHttpPattern { Kind = httpMethod, Path = path };
                break;
        }

        return rule;
    }

    /// <summary>A valid route from a configuration rule; fails the test if the rule is rejected.</summary>
    public static HttpRoute Route(string httpMethod, string path, MethodDescriptor? method = null, string body = "")
    {
        var result = HttpRuleReader.Read(method ?? Call, Rule(httpMethod, path, body), RouteSource.Config);
        Assert.Empty(result.Errors);
        return Assert.Single(result.Routes);
    }

    public static RouteTable Table(params HttpRoute[] routes)
    {
        var built = new RouteTableBuilder().AddRange(routes).Build();
        Assert.Empty(built.Conflicts);
        return built.Table;
    }

    /// <summary>A table of GET routes on <see cref="Call"/>.</summary>
    public static RouteTable GetTable(params string[] templates) =>
        Table([.. templates.Select(template => Route("GET", template))]);

    public static RouteTable TodoTable(RouteTableOptions? options = null)
    {
        var builder = new RouteTableBuilder(options);
        foreach (var method in TodoService.Methods)
        {
            var read = HttpRuleReader.ReadAnnotation(method);
            Assert.Empty(read.Errors);
            builder.AddMethod(method).AddRange(read.Routes);
        }

        var built = builder.Build();
        Assert.Empty(built.Conflicts);
        return built.Table;
    }

    /// <summary>The matched template's canonical text, or null when nothing matched.</summary>
    public static string? MatchedTemplate(this RouteTable table, string path, string httpMethod = "GET")
    {
        var match = table.Match(httpMethod, path);
        return match.IsMatched ? match.Route.Template.ToString() : null;
    }

    /// <summary>Bindings as <c>field.path=value</c> joined by <c>|</c>, for compact assertions.</summary>
    public static string Describe(IReadOnlyList<FieldBinding> bindings) =>
        string.Join("|", bindings.Select(binding =>
            string.Join(".", binding.FieldPath.Select(field => field.Name))
            + (binding.MapKey is null ? string.Empty : $"[{binding.MapKey}]")
            + "=" + binding.Value));

    public static string Bindings(this RouteTable table, string path, string httpMethod = "GET")
    {
        var match = table.Match(httpMethod, path);
        Assert.True(match.IsMatched, $"{httpMethod} {path} did not match: {match.Kind} {match.Error}");
        return Describe(match.Bindings);
    }
}
