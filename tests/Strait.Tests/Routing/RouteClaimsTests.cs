using Strait.Routing;

namespace Strait.Tests.Routing;

/// <summary>
/// Claims decide which cluster, call policy and rate limits each route gets, so precedence and the errors for a wrong
/// or doubly claimed name are the contract every per-route section relies on.
/// </summary>
public sealed class RouteClaimsTests
{
    private const string Service = "strait.tests.routing.TodoService";
    private static readonly RouteTable Routes = RoutingFixtures.TodoTable();

    [Fact]
    public void A_route_claim_beats_a_method_claim_which_beats_a_service_claim()
    {
        var errors = new List<string>();
        var claims = Resolve(
            errors,
            ("whole", new([Service], [], [])),
            ("reads", new([], [Service + ".GetTodo", Service + ".ListTodos"], [])),
            ("one-route", new([], [], ["GET /v1/tasks"])));

        Assert.Empty(errors);
        Assert.Equal("one-route", claims.NameOf(Route("ListTodos")));
        Assert.Equal("reads", claims.NameOf(Route("GetTodo")));
        Assert.Equal("whole", claims.NameOf(Route("CreateTodo")));
    }

    [Fact]
    public void A_call_made_by_method_takes_its_method_or_service_claim_never_a_route_claim()
    {
        var errors = new List<string>();
        var claims = Resolve(
            errors,
            ("reads", new([], [Service + ".GetTodo"], [])),
            ("one-route", new([], [], ["GET /v1/tasks"])));

        Assert.Empty(errors);
        Assert.Equal("reads", claims.NameOf(RoutingFixtures.TodoMethod("GetTodo")));
        Assert.Null(claims.NameOf(RoutingFixtures.TodoMethod("ListTodos")));

        var byService = Resolve(errors, ("whole", new([Service], [], [])));
        Assert.Equal("whole", byService.NameOf(RoutingFixtures.TodoMethod("ListTodos")));
    }

    [Fact]
    public void What_no_entry_claims_has_no_name()
    {
        var errors = new List<string>();
        var claims = Resolve(errors, ("reads", new([], [Service + ".GetTodo"], [])));

        Assert.Empty(errors);
        Assert.Null(claims.NameOf(Route("CreateTodo")));
        Assert.Null(claims.NameOf(RoutingFixtures.TodoMethod("CreateTodo")));
    }

    [Fact]
    public void Names_the_schema_lacks_are_errors_under_the_entry_s_key()
    {
        var errors = new List<string>();
        Resolve(
            errors,
            ("a", new(["strait.tests.routing.Nope"], [Service + ".Nope"], ["GET /v9/nope"])));

        Assert.Equal(
            [
                "clusters.a.services[0]: 'strait.tests.routing.Nope' names no service (package.Service) of the schema",
                "clusters.a.methods[0]: 'strait.tests.routing.TodoService.Nope' names no method (package.Service.Method) of the schema",
                "clusters.a.routes[0]: 'GET /v9/nope' names no route (VERB TEMPLATE, as strait routes prints it) of the schema",
            ],
            errors);
    }

    [Fact]
    public void A_name_claimed_by_two_entries_is_an_error_naming_the_first()
    {
        var errors = new List<string>();
        Resolve(
            errors,
            ("a", new([], [Service + ".GetTodo"], ["GET /v1/tasks"])),
            ("b", new([], [" " + Service + ".GetTodo "], ["GET /v1/tasks"])));

        Assert.Equal(
            [
                "clusters.b.methods[0]: 'strait.tests.routing.TodoService.GetTodo' is already served by cluster 'a'",
                "clusters.b.routes[0]: 'GET /v1/tasks' is already served by cluster 'a'",
            ],
            errors);
    }

    [Fact]
    public void One_entry_may_name_the_same_thing_twice()
    {
        var errors = new List<string>();
        var claims = Resolve(errors, ("a", new([], [Service + ".GetTodo", Service + ".GetTodo"], [])));

        Assert.Empty(errors);
        Assert.Equal("a", claims.NameOf(Route("GetTodo")));
    }

    [Fact]
    public void A_route_key_is_the_verb_and_the_template_as_strait_routes_prints_it()
    {
        Assert.Equal("GET /v1/{name=tasks/*}", RouteClaims.RouteKey(Route("GetTodo")));
        Assert.Equal("PATCH /v1/{todo.name=tasks/*}", RouteClaims.RouteKey(Route("UpdateTodo")));
    }

    private static HttpRoute Route(string method) =>
        Routes.Routes.First(r => r.Method.Name == method && r.Source != RouteSource.Generated);

    private static RouteClaimResolution Resolve(List<string> errors, params (string Name, RouteClaimLists Claims)[] entries) =>
        RouteClaims.Resolve(entries.Select(e => KeyValuePair.Create(e.Name, e.Claims)), Routes, "clusters", "served by cluster", errors);
}
