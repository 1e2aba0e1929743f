using Strait.Routing;
using static Strait.Tests.Support.RoutingFixtures;

namespace Strait.Tests.Routing;

public class RouteTableBuilderTests
{
    [Theory]
    [InlineData("/v1/{name=tasks/*}", "/v1/tasks/{id}")]
    [InlineData("/v1/{x=**}", "/v1/**")]
    [InlineData("/v1/{a}:run", "/v1/{b}:run")]
    [InlineData("/v1/%7Ex", "/v1/~x")]
    public void Equivalent_templates_for_one_method_conflict(string kept, string rejected)
    {
        var built = new RouteTableBuilder().Add(Route("GET", kept, Call)).Add(Route("GET", rejected, Other)).Build();

        var conflict = Assert.Single(built.Conflicts);
        Assert.Equal("GET", conflict.HttpMethod);
        Assert.Equal("strait.tests.routing.ProbeService.Call", conflict.KeptMethod);
        Assert.Equal("strait.tests.routing.ProbeService.Other", conflict.RejectedMethod);
        Assert.Equal(PathTemplate.Parse(kept).ToString(), conflict.KeptTemplate);
        Assert.Equal(PathTemplate.Parse(rejected).ToString(), conflict.RejectedTemplate);
        var message = conflict.ToString();
        Assert.Contains("strait.tests.routing.ProbeService.Call", message, StringComparison.Ordinal);
        Assert.Contains("strait.tests.routing.ProbeService.Other", message, StringComparison.Ordinal);
        Assert.Contains(conflict.RejectedTemplate, message, StringComparison.Ordinal);

        var route = Assert.Single(built.Table.Routes);
        Assert.Equal(Call, route.Method);
    }

    [Theory]
    [InlineData("GET", "/v1/{name}", "POST", "/v1/{name}")]
    [InlineData("GET", "/v1/{name}", "GET", "/v1/{name}:run")]
    [InlineData("GET", "/v1/{name}:run", "GET", "/v1/{name}:stop")]
    [InlineData("GET", "/v1/{name}", "GET", "/v1/{name=**}")]
    [InlineData("GET", "/v1/{name}", "GET", "/v1/name")]
    [InlineData("GET", "/v1/{name}", "*", "/v1/{name}")]
    public void Different_methods_verbs_or_shapes_do_not_conflict(
        string firstMethod, string firstTemplate, string secondMethod, string secondTemplate)
    {
        var built = new RouteTableBuilder()
            .Add(Route(firstMethod, firstTemplate, Call))
            .Add(Route(secondMethod, secondTemplate, Other))
            .Build();

        Assert.Empty(built.Conflicts);
        Assert.Equal(2, built.Table.Routes.Count);
    }

    [Fact]
    public void Generated_routes_post_the_whole_message_to_the_grpc_path()
    {
        var table = TodoTable(new RouteTableOptions { GenerateMethodRoutes = true });

        var match = table.Match("POST", "/strait.tests.routing.TodoService/Unannotated");

        Assert.True(match.IsMatched);
        Assert.Equal(TodoMethod("Unannotated"), match.Route.Method);
        Assert.Equal(RouteSource.Generated, match.Route.Source);
        Assert.True(match.Route.Body?.IsWholeMessage);
        Assert.Equal(TodoMethod("GetTodo"), table.Match("POST", "/strait.tests.routing.TodoService/GetTodo").Route?.Method);
        Assert.Equal(["POST"], table.Match("GET", "/strait.tests.routing.TodoService/GetTodo").AllowedMethods);
        Assert.Equal(TodoMethod("GetTodo"), table.Match("GET", "/v1/tasks/abc").Route?.Method);
        Assert.Equal(9 + TodoService.Methods.Count, table.Routes.Count);
    }

    [Fact]
    public void Generated_routes_are_off_by_default()
    {
        var table = TodoTable();

        Assert.Equal(
            RouteMatchKind.NotFound, table.Match("POST", "/strait.tests.routing.TodoService/Unannotated").Kind);
        Assert.DoesNotContain(table.Routes, route => route.Source == RouteSource.Generated);
    }

    [Fact]
    public void A_rule_with_the_generated_key_wins_without_a_conflict()
    {
        var getTodo = TodoMethod("GetTodo");
        var configured = Route("POST", "/strait.tests.routing.TodoService/GetTodo", getTodo);

        var built = new RouteTableBuilder(new RouteTableOptions { GenerateMethodRoutes = true })
            .AddMethod(getTodo)
            .Add(configured)
            .Build();

        Assert.Empty(built.Conflicts);
        var route = Assert.Single(built.Table.Routes);
        Assert.Same(configured, route);
        Assert.Same(configured, built.Table.Match("POST", "/strait.tests.routing.TodoService/GetTodo").Route);
        Assert.Null(route.Body);
    }

    [Fact]
    public void Each_build_makes_an_independent_table()
    {
        var builder = new RouteTableBuilder().Add(Route("GET", "/v1/a"));
        var first = builder.Build().Table;
        builder.Add(Route("GET", "/v1/b"));
        var second = builder.Build().Table;

        Assert.Equal(RouteMatchKind.NotFound, first.Match("GET", "/v1/b").Kind);
        Assert.True(second.Match("GET", "/v1/b").IsMatched);
        Assert.Single(first.Routes);
    }

    [Fact]
    public void Empty_table_finds_nothing()
    {
        Assert.Equal(RouteMatchKind.NotFound, RouteTable.Empty.Match("GET", "/").Kind);
        Assert.Empty(RouteTable.Empty.Routes);
    }
}
