using Strait.Routing;
using static Strait.Tests.Support.RoutingFixtures;

namespace Strait.Tests.Routing;

public class QueryBinderTests
{
    private static readonly HttpRoute ByName = Route("GET", "/v1/{name}");

    private static string Bound(string? query, HttpRoute? route = null, QueryBindingOptions? options = null)
    {
        var result = QueryBinder.Bind(route ?? ByName, query, options);
        Assert.True(result.Succeeded, result.Error);
        return Describe(result.Bindings);
    }

    private static string Failure(string query, HttpRoute? route = null, QueryBindingOptions? options = null)
    {
        var result = QueryBinder.Bind(route ?? ByName, query, options);
        Assert.False(result.Succeeded, $"'{query}' was accepted: {Describe(result.Bindings)}");
        Assert.Empty(result.Bindings);
        return result.Error;
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("?", "")]
    [InlineData("count=5&x=hello", "count=5|x=hello")]
    [InlineData("?count=5", "count=5")]
    [InlineData("&&x=1&", "x=1")]
    [InlineData("=5&x=1", "x=1")]
    [InlineData("x", "x=")]
    [InlineData("x=a=b", "x=a=b")]
    public void Binds_parameters_in_order(string? query, string expected)
    {
        Assert.Equal(expected, Bound(query));
    }

    [Theory]
    [InlineData("x=a%20b+c%2B", "x=a b c+")]
    [InlineData("%78=1", "x=1")]
    [InlineData("x=caf%C3%A9", "x=caf\u00e9")]
    [InlineData("x=%24%25%2F%20%0A", "x=$%/ \n")]
    [InlineData("x=%26%3D", "x=&=")]
    public void Decodes_percent_escapes_and_plus(string query, string expected)
    {
        Assert.Equal(expected, Bound(query));
    }

    [Theory]
    [InlineData("x=%zz", "query parameter 'x' has a malformed percent-escape in its value")]
    [InlineData("x=abc%", "query parameter 'x' has a malformed percent-escape in its value")]
    [InlineData("x=%C3", "query parameter 'x' has bytes that are not UTF-8 in its value")]
    [InlineData("a%zz=1", "query parameter 'a%zz' has a malformed percent-escape in its name")]
    [InlineData("a%FF=1", "query parameter 'a%FF' has bytes that are not UTF-8 in its name")]
    public void Bad_encoding_is_an_error_naming_the_parameter(string query, string error)
    {
        Assert.Equal(error, Failure(query));
    }

    [Fact]
    public void Dotted_keys_accept_proto_and_json_names()
    {
        Assert.Equal(
            "inner.value=v|other_inner.depth=3|renamed=z|other_inner.child.value=w",
            Bound("inner.value=v&otherInner.depth=3&customName=z&other_inner.child.value=w"));
    }

    [Fact]
    public void Repeated_fields_take_one_value_per_key()
    {
        Assert.Equal(
            "tags=a|tags=b|inner.numbers=1|inner.numbers=2",
            Bound("tags=a&tags=b&inner.numbers=1&inner.numbers=2"));
    }

    [Theory]
    [InlineData("x=1&x=2", "query parameter 'x' is given twice, but 'x' is not a repeated field")]
    [InlineData("other_inner.depth=1&otherInner.depth=2", "query parameter 'otherInner.depth' is given twice")]
    [InlineData("when=2024-01-01T00:00:00Z&when=2025-01-01T00:00:00Z", "query parameter 'when' is given twice")]
    public void A_second_value_for_a_singular_field_is_an_error(string query, string error)
    {
        Assert.StartsWith(error, Failure(query), StringComparison.Ordinal);
    }

    [Fact]
    public void Enums_and_well_known_types_are_bound_as_text()
    {
        Assert.Equal(
            "color=COLOR_RED|when=2024-01-01T00:00:00Z|timeout=3.5s|mask=a,b.c|limit=5|note=hi|times=1|times=2",
            Bound("color=COLOR_RED&when=2024-01-01T00:00:00Z&timeout=3.5s&mask=a,b.c&limit=5&note=hi&times=1&times=2"));
        Assert.Equal("color=1", Bound("color=1"));
    }

    [Theory]
    [InlineData("inner=1", "query parameter 'inner' is a message field (strait.tests.routing.Inner); set its fields with dotted names")]
    [InlineData("extra=1", "query parameter 'extra' is a message field (google.protobuf.Struct)")]
    [InlineData("inners=1", "query parameter 'inners' is a message field (strait.tests.routing.Inner)")]
    [InlineData("inners.value=1", "query parameter 'inners.value': 'inners.value' goes through 'inners', which is not a singular message field")]
    [InlineData("x.y=1", "query parameter 'x.y': 'x.y' goes through 'x'")]
    public void Message_leaves_and_bad_paths_are_errors(string query, string error)
    {
        Assert.StartsWith(error, Failure(query), StringComparison.Ordinal);
        Assert.StartsWith(error, Failure(query, options: new QueryBindingOptions { IgnoreUnknown = true }), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_parameters_are_errors_unless_ignored()
    {
        Assert.Equal("unknown query parameter 'nope'", Failure("x=1&nope=2"));
        Assert.Equal("unknown query parameter 'inner.nope'", Failure("inner.nope=2"));

        var lenient = new QueryBindingOptions { IgnoreUnknown = true };
        Assert.Equal("x=1|count=3", Bound("x=1&nope=2&inner.nope=1&count=3", options: lenient));
    }

    [Fact]
    public void Configured_names_are_always_ignored()
    {
        var options = new QueryBindingOptions { IgnoredParameters = new HashSet<string> { "access_token", "$fields" } };

        Assert.Equal("x=1", Bound("access_token=abc&x=1&%24fields=a", options: options));
        Assert.Equal("unknown query parameter 'alt'", Failure("alt=json", options: options));
        Assert.Contains("access_token", options.IgnoredParameters);
        Assert.Empty(QueryBindingOptions.Default.IgnoredParameters);
    }

    [Fact]
    public void Fields_bound_by_the_path_cannot_come_from_the_query()
    {
        Assert.Equal("query parameter 'name' sets a field that the path binds", Failure("name=other"));

        var nested = Route("GET", "/v1/{inner.value}");
        Assert.Equal("query parameter 'inner.value' sets a field that the path binds", Failure("inner.value=1", nested));
        Assert.Equal("inner.depth=1", Bound("inner.depth=1", nested));
    }

    [Fact]
    public void Body_field_and_its_subfields_cannot_come_from_the_query()
    {
        var route = Route("POST", "/v1/{name}", body: "inner");

        Assert.Equal("query parameter 'inner.value' sets a field inside the body field 'inner'", Failure("inner.value=1", route));
        Assert.Equal("query parameter 'tags' sets a field inside the body field 'tags'", Failure("tags=a", Route("POST", "/v1/x", body: "tags")));
        Assert.Equal("x=1|other_inner.value=2", Bound("x=1&other_inner.value=2", route));
    }

    [Fact]
    public void Whole_message_body_takes_no_query_parameters()
    {
        var route = Route("POST", "/v1/things", body: "*");

        Assert.Equal("query parameter 'x' is not allowed: the request body is the whole message", Failure("x=1", route));
        Assert.Equal(string.Empty, Bound("x=1", route, new QueryBindingOptions { IgnoreUnknown = true }));
        Assert.Equal(
            string.Empty,
            Bound("access_token=t", route, new QueryBindingOptions { IgnoredParameters = new HashSet<string> { "access_token" } }));
        Assert.Equal(string.Empty, Bound(null, route));
    }

    [Fact]
    public void Map_entries_use_brackets()
    {
        Assert.Equal("labels[env]=prod|labels[tier]=web|labels[]=x", Bound("labels[env]=prod&labels%5Btier%5D=web&labels[]=x"));
    }

    [Theory]
    [InlineData("labels[env]=a&labels[env]=b", "query parameter 'labels[env]' sets map key 'env' twice")]
    [InlineData("labels=x", "query parameter 'labels' is a map field; set entries with 'labels[key]=value'")]
    [InlineData("x[k]=1", "query parameter 'x[k]' uses '[key]', but 'x' is not a map field")]
    [InlineData("inner_map[k]=1", "query parameter 'inner_map[k]' is a map of messages (strait.tests.routing.Inner)")]
    [InlineData("labels[a]b]=1", "query parameter 'labels[a]b]' is malformed")]
    [InlineData("labels[a=1", "query parameter 'labels[a' is malformed")]
    [InlineData("[a]=1", "query parameter '[a]' is malformed")]
    public void Bad_map_parameters_are_errors(string query, string error)
    {
        Assert.StartsWith(error, Failure(query), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("by_name=a&by_number=1", "query parameter 'by_number' sets 'by_number', but 'by_name' of the same oneof 'choice' is already set")]
    [InlineData("by_inner.value=x&byName=y", "query parameter 'byName' sets 'by_name', but 'by_inner' of the same oneof 'choice'")]
    [InlineData("inner.left=a&inner.right=b", "query parameter 'inner.right' sets 'right', but 'left' of the same oneof 'pick'")]
    public void Two_members_of_one_oneof_are_an_error(string query, string error)
    {
        Assert.StartsWith(error, Failure(query), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inner.left=a&other_inner.right=b")]
    [InlineData("by_inner.left=a&by_inner.depth=2")]
    [InlineData("maybe=1&x=2")]
    public void Oneof_members_of_different_messages_or_synthetic_oneofs_are_fine(string query)
    {
        Assert.True(QueryBinder.Bind(ByName, query).Succeeded);
    }
}
