using Strait.Routing;
using static Strait.Tests.Support.RoutingFixtures;

namespace Strait.Tests.Routing;

public class TodoRoutesTests
{
    private readonly RouteTable table = TodoTable();

    [Theory]
    [InlineData("POST", "/v1/tasks", "CreateTodo", "")]
    [InlineData("GET", "/v1/tasks/abc", "GetTodo", "name=tasks/abc")]
    [InlineData("GET", "/v1/tasks", "ListTodos", "")]
    [InlineData("PATCH", "/v1/tasks/abc", "UpdateTodo", "todo.name=tasks/abc")]
    [InlineData("DELETE", "/v1/tasks/abc", "DeleteTodo", "name=tasks/abc")]
    [InlineData("POST", "/v1/tasks:batchCreate", "BatchCreateTodos", "")]
    [InlineData("WATCH", "/v1/tasks/abc:watch", "WatchTodo", "name=tasks/abc")]
    [InlineData("GET", "/v1/tasks/abc:watch", "WatchTodo", "name=tasks/abc")]
    [InlineData("GET", "/v2/tasks/abc/watch", "WatchTodo", "name=tasks/abc")]
    [InlineData("GET", "/v1/tasks/a%20b%2Fc", "GetTodo", "name=tasks/a b%2Fc")]
    [InlineData("GET", "/v1/tasks/abc:cancel", "GetTodo", "name=tasks/abc:cancel")]
    public void Annotated_routes_match(string httpMethod, string path, string method, string bindings)
    {
        var match = table.Match(httpMethod, path);

        Assert.True(match.IsMatched, $"{httpMethod} {path}: {match.Kind}");
        Assert.Equal(TodoMethod(method), match.Route.Method);
        Assert.Equal(bindings, Describe(match.Bindings));
    }

    [Fact]
    public void Batch_create_verb_does_not_fall_into_the_resource_name_route()
    {
        var match = table.Match("POST", "/v1/tasks:batchCreate");
        Assert.Equal("/v1/tasks:batchCreate", match.Route?.Template.ToString());

        var get = table.Match("GET", "/v1/tasks:batchCreate");
        Assert.Equal(RouteMatchKind.MethodNotAllowed, get.Kind);
        Assert.Equal(["POST"], get.AllowedMethods);
    }

    [Fact]
    public void Routes_carry_body_response_body_and_source()
    {
        var update = table.Match("PATCH", "/v1/tasks/abc").Route!;
        Assert.Equal("todo", update.Body?.Field?.Name);
        Assert.False(update.Body!.IsWholeMessage);
        Assert.Equal(["todo", "name"], update.VariableFieldPaths[0].Select(f => f.Name));
        Assert.Equal(RouteSource.Annotation, update.Source);

        var create = table.Match("POST", "/v1/tasks").Route!;
        Assert.True(create.Body?.IsWholeMessage);
        Assert.Null(table.Match("GET", "/v1/tasks").Route!.Body);

        var watch = table.Match("WATCH", "/v1/tasks/abc:watch").Route!;
        Assert.Equal("WATCH", watch.HttpMethod);
        Assert.Equal("title", watch.ResponseBody?.Name);
        Assert.Equal(RouteSource.Annotation, watch.Source);
        var watchByGet = table.Match("GET", "/v2/tasks/abc/watch").Route!;
        Assert.Equal(RouteSource.AdditionalBinding, watchByGet.Source);
        Assert.Null(watchByGet.ResponseBody);
    }

    [Theory]
    [InlineData("PUT", "/v1/tasks/abc", new[] { "DELETE", "GET", "PATCH" })]
    [InlineData("PUT", "/v1/tasks", new[] { "GET", "POST" })]
    [InlineData("HEAD", "/v1/tasks", new[] { "GET", "POST" })]
    [InlineData("DELETE", "/v1/tasks/abc:watch", new[] { "GET", "WATCH" })]
    public void Wrong_method_is_405_with_allowed_methods(string httpMethod, string path, string[] allowed)
    {
        var match = table.Match(httpMethod, path);

        Assert.Equal(RouteMatchKind.MethodNotAllowed, match.Kind);
        Assert.Equal(allowed, match.AllowedMethods);
    }

    [Theory]
    [InlineData("/v1/tasks/")]
    [InlineData("/v1/tasks/abc/")]
    [InlineData("/v1//tasks")]
    [InlineData("/v1/tasks/abc/def:watch")]
    [InlineData("/v1/tasks:watch")]
    [InlineData("/v1/tasks/abc/def")]
    [InlineData("/v2/tasks")]
    [InlineData("/strait.tests.routing.TodoService/GetTodo")]
    public void Unknown_paths_are_404(string path)
    {
        Assert.Equal(RouteMatchKind.NotFound, table.Match("GET", path).Kind);
        Assert.Equal(RouteMatchKind.NotFound, table.Match("POST", path).Kind);
    }

    [Fact]
    public void Unannotated_method_has_no_routes()
    {
        Assert.DoesNotContain(table.Routes, route => route.Method == TodoMethod("Unannotated"));
        Assert.Equal(9, table.Routes.Count);
    }
}
