using Strait.Routing;
using static Strait.Tests.Support.RoutingFixtures;

namespace Strait.Tests.Routing;

public class RouteMatchingTests
{
    [Theory]
    [InlineData("/a/b", "/a/**")]
    [InlineData("/a/b/c", "/a/**")]
    [InlineData("/a", "/a/**")]
    [InlineData("/b/c", "/b/*")]
    [InlineData("/c/u/d/v", "/c/*/d/**")]
    [InlineData("/c/v/d/w/x", "/c/*/d/**")]
    [InlineData("/c/x/d/e", "/c/*/d/e")]
    [InlineData("/c/f/d/e", "/c/f/d/e")]
    [InlineData("/c/f/d/e/g", "/c/*/d/**")]
    [InlineData("/c/x/y/d/z", null)]
    [InlineData("/c//v/d/w/x", null)]
    [InlineData("/b", null)]
    [InlineData("/b/c/d", null)]
    [InlineData("b/c", null)]
    [InlineData("", null)]
    public void Literal_beats_single_wildcard_beats_double_wildcard(string path, string? expected)
    {
        var table = GetTable("/a/**", "/b/*", "/c/*/d/**", "/c/*/d/e", "/c/f/d/e");

        Assert.Equal(expected, table.MatchedTemplate(path));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/a")]
    [InlineData("/a/")]
    [InlineData("/a/b/c")]
    public void Double_wildcard_at_the_root_matches_every_path(string path)
    {
        Assert.Equal("/**", GetTable("/**").MatchedTemplate(path));
    }

    [Theory]
    [InlineData("/prefix/middle/suffix", "/prefix/middle/suffix")]
    [InlineData("/prefix/middle", "/prefix/middle")]
    [InlineData("/prefix", "/prefix")]
    [InlineData("/prefix/middle/suffix/other", null)]
    [InlineData("/prefix/middle/other", null)]
    [InlineData("/prefix/other", null)]
    [InlineData("/other", null)]
    [InlineData("/prefix/", null)]
    [InlineData("/prefix//middle", null)]
    public void Partial_and_slash_variants_do_not_match(string path, string? expected)
    {
        var table = GetTable("/prefix/middle/suffix", "/prefix/middle", "/prefix");

        Assert.Equal(expected, table.MatchedTemplate(path));
    }

    [Theory]
    [InlineData("/a/book/c/d/e", "x=book")]
    [InlineData("/a/hello/b/world/c", "x=a/hello|y=world")]
    [InlineData("/a/b/zoo/d/animal/tiger", "x=b/zoo|y=d/animal/tiger")]
    [InlineData("/a/b/zoo/d", "x=b/zoo|y=d")]
    [InlineData("/foo/a", "x=foo")]
    [InlineData("/a/b/foo", "x=foo")]
    [InlineData("/a/b/c/foo/bar/baz", "x=foo/bar/baz")]
    [InlineData("/q/r", "inner.value=r")]
    public void Variables_bind_their_segments(string path, string expected)
    {
        var table = GetTable(
            "/a/{x}/c/d/e",
            "/{x=a/*}/b/{y=*}/c",
            "/a/{x=b/*}/{y=d/**}",
            "/{x=*}/a",
            "/a/b/{x=*}",
            "/a/b/c/{x=**}",
            "/q/{inner.value}");

        Assert.Equal(expected, table.Bindings(path));
    }

    [Fact]
    public void Double_wildcard_variable_can_bind_nothing()
    {
        // The literal 'c' outranks '*' at the third segment, so '/a/b/{x=*}' loses even though '**' is empty.
        var table = GetTable("/a/b/{x=*}", "/a/b/c/{x=**}");
        Assert.Equal("/a/b/c/{x=**}", table.MatchedTemplate("/a/b/c"));

        Assert.Equal("x=", GetTable("/a/b/c/{x=**}").Bindings("/a/b/c"));
        Assert.Equal("x=", GetTable("/{x=**}").Bindings("/"));
    }

    [Fact]
    public void Single_segment_variable_is_fully_decoded_and_plus_is_kept()
    {
        Assert.Equal("x=p q/r+", GetTable("/a/{x}/c").Bindings("/a/p%20q%2Fr+/c"));
    }

    [Fact]
    public void Multi_segment_variable_keeps_encoded_slashes_as_sent()
    {
        Assert.Equal("x=p/foo foo/q/bar%2Fbar", GetTable("/a/{x=p/*/q/*}/c").Bindings("/a/p/foo%20foo/q/bar%2Fbar/c"));
        Assert.Equal("x=p/foo foo/q/bar%2fbar+", GetTable("/a/{x=**}").Bindings("/a/p/foo%20foo/q/bar%2fbar+"));
    }

    [Fact]
    public void Reserved_characters_are_decoded_except_slash_in_multi_segment_variables()
    {
        const string Reserved = "%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D";

        var bindings = GetTable("/a/{x=*}/{y=**}").Bindings($"/a/{Reserved}/{Reserved}");

        Assert.Equal("x=!#$&'()*+,/:;=?@[]|y=!#$&'()*+,%2F:;=?@[]", bindings);
    }

    [Fact]
    public void Every_ascii_character_decodes_in_a_single_segment_variable()
    {
        var table = GetTable("/{x}");
        for (var c = 0; c < 0x80; c++)
        {
            foreach (var format in new[] { "X2", "x2" })
            {
                var path = "/%" + c.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
                var match = table.Match("GET", path);

                Assert.True(match.IsMatched, path);
                Assert.Equal(((char)c).ToString(), match.Bindings[0].Value);
            }
        }
    }

    [Fact]
    public void Utf8_escapes_decode_to_text()
    {
        Assert.Equal("x=caf\u00e9", GetTable("/a/{x}").Bindings("/a/caf%C3%A9"));
        Assert.Equal("x=\u65e5\u672c/%2F", GetTable("/a/{x=**}").Bindings("/a/%E6%97%A5%E6%9C%AC/%2F"));
    }

    [Theory]
    [InlineData("/a/%zz", "position 3")]
    [InlineData("/a/abc%", "position 6")]
    [InlineData("/a/%4", "position 3")]
    [InlineData("/nothing/%g0/here", "position 9")]
    [InlineData("/a/%C3", "'x' is not UTF-8")]
    [InlineData("/a/%FF", "'x' is not UTF-8")]
    [InlineData("/a/%C3%28", "'x' is not UTF-8")]
    public void Bad_percent_encoding_is_a_bad_request(string path, string expectedError)
    {
        var match = GetTable("/a/{x}").Match("GET", path);

        Assert.Equal(RouteMatchKind.BadRequest, match.Kind);
        Assert.Null(match.Route);
        Assert.Contains(expectedError, match.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/tasks")]
    [InlineData("/v1/t%61sks")]
    [InlineData("/v%31/%74%61%73%6B%73")]
    public void Literals_match_after_decoding_unreserved_escapes(string path)
    {
        Assert.Equal("/v1/tasks", GetTable("/v1/tasks").MatchedTemplate(path));
    }

    [Theory]
    [InlineData("/v1/a%2Fb", true)]
    [InlineData("/v1/a%2fb", true)]
    [InlineData("/v1/a/b", false)]
    public void Encoded_reserved_characters_in_literals_match_only_encoded(string path, bool matches)
    {
        Assert.Equal(matches, GetTable("/v1/a%2Fb").Match("GET", path).IsMatched);
    }

    [Theory]
    [InlineData("/person:verb", "/{x=**}:verb", "x=person")]
    [InlineData("/person/jason:verb", "/{x=**}:verb", "x=person/jason")]
    [InlineData("/animal:verb", "/{x=**}:verb", "x=animal")]
    [InlineData("/animal/cat:verb", "/{x=**}:verb", "x=animal/cat")]
    [InlineData("/person", "/person", "")]
    [InlineData("/person/jason", "/person/{id}", "id=jason")]
    [InlineData("/person/jason:other", "/person/{id}", "id=jason:other")]
    [InlineData("/animal", null, null)]
    [InlineData("/animal/cat", null, null)]
    [InlineData("/person:other", null, null)]
    [InlineData("/animal:other", null, null)]
    [InlineData("/animal/cat:other", null, null)]
    public void Colon_is_a_verb_only_when_a_route_declares_that_verb(string path, string? template, string? bindings)
    {
        var table = GetTable("/person", "/person/{id}", "/{x=**}:verb");

        Assert.Equal(template, table.MatchedTemplate(path));
        if (bindings is not null)
        {
            Assert.Equal(bindings, table.Bindings(path));
        }
    }

    [Theory]
    [InlineData("/a/world:verb", "/a/{y}:verb", "y=world")]
    [InlineData("/a/d/animal/tiger:verb", "/a/{y=d/**}:verb", "y=d/animal/tiger")]
    [InlineData("/foo/a:verb", "/{x}/a:verb", "x=foo")]
    [InlineData("/e/foo/f:verb", "/e/{x}/f:verb", "x=foo")]
    [InlineData("/some/const:verb", "/some/const:verb", "")]
    [InlineData("/some/other:verb", "/some/*:verb", "")]
    [InlineData("/some/bar/foo:verb", "/some/*/foo:verb", "")]
    [InlineData("/other/bar/foo:verb", "/other/**:verb", "")]
    [InlineData("/some:verb/const:verb", "/{a}/{b}:verb", "a=some:verb|b=const")]
    public void Templates_with_verbs_match_verb_paths(string path, string template, string bindings)
    {
        var table = GetTable(
            "/a/{y=*}:verb",
            "/a/{y=d/**}:verb",
            "/{x=*}/a:verb",
            "/e/{x=*}/f:verb",
            "/some/const:verb",
            "/some/*:verb",
            "/some/*/foo:verb",
            "/other/**:verb",
            "/{a}/{b}:verb");

        Assert.Equal(template, table.MatchedTemplate(path));
        Assert.Equal(bindings, table.Bindings(path));
    }

    [Theory]
    [InlineData("/some/other:verb/")]
    [InlineData("/some/foo1/foo2/foo:verb")]
    [InlineData("/some/foo/bar:verb")]
    [InlineData("/some/const")]
    public void Verb_paths_without_a_matching_template_are_not_found(string path)
    {
        var table = GetTable("/some/const:verb", "/some/*:verb", "/some/*/foo:verb");

        Assert.Equal(RouteMatchKind.NotFound, table.Match("GET", path).Kind);
    }

    [Theory]
    [InlineData("/some:verb/const:verb", "/{a=**}:verb", "a=some:verb/const")]
    [InlineData("/some:verb/const", "/{a=**}", "a=some:verb/const")]
    [InlineData("/some:verb2/const:verb2", "/{a=**}", "a=some:verb2/const:verb2")]
    public void Same_shape_with_and_without_verb(string path, string template, string bindings)
    {
        var table = GetTable("/{a=**}:verb", "/{a=**}");

        Assert.Equal(template, table.MatchedTemplate(path));
        Assert.Equal(bindings, table.Bindings(path));
    }

    [Fact]
    public void Method_not_allowed_lists_every_method_routed_for_the_path()
    {
        var table = Table(
            Route("GET", "/v1/{name=tasks/*}"),
            Route("DELETE", "/v1/{name=tasks/*}"),
            Route("POST", "/v1/tasks/special"),
            Route("GET", "/v1/other"));

        var match = table.Match("PUT", "/v1/tasks/special");

        Assert.Equal(RouteMatchKind.MethodNotAllowed, match.Kind);
        Assert.Equal(["DELETE", "GET", "POST"], match.AllowedMethods);
        Assert.Equal(["DELETE", "GET"], table.Match("PUT", "/v1/tasks/abc").AllowedMethods);
        Assert.Equal(RouteMatchKind.NotFound, table.Match("PUT", "/v1/nothing").Kind);
        Assert.Empty(table.Match("PUT", "/v1/nothing").AllowedMethods);
    }

    [Fact]
    public void A_less_specific_template_serves_a_method_the_more_specific_one_lacks()
    {
        var table = Table(Route("GET", "/v1/{name=tasks/*}"), Route("POST", "/v1/tasks/special"));

        Assert.Equal("name=tasks/special", table.Bindings("/v1/tasks/special"));
        Assert.Equal("/v1/tasks/special", table.MatchedTemplate("/v1/tasks/special", "POST"));
    }

    [Fact]
    public void Head_and_lower_case_methods_are_not_mapped_to_routed_methods()
    {
        var table = Table(Route("GET", "/v1/tasks"));

        var head = table.Match("HEAD", "/v1/tasks");
        Assert.Equal(RouteMatchKind.MethodNotAllowed, head.Kind);
        Assert.Equal(["GET"], head.AllowedMethods);
        Assert.Equal(RouteMatchKind.MethodNotAllowed, table.Match("get", "/v1/tasks").Kind);
    }

    [Fact]
    public void Custom_wildcard_kind_serves_any_method_not_routed_more_precisely()
    {
        var table = Table(Route("*", "/any/{x}"), Route("GET", "/any/{id}", Other));

        Assert.Equal(Call, table.Match("OPTIONS", "/any/1").Route?.Method);
        Assert.Equal(Call, table.Match("DELETE", "/any/1").Route?.Method);
        Assert.Equal(Other, table.Match("GET", "/any/1").Route?.Method);
    }

    [Fact]
    public void Ten_thousand_literal_routes_are_matched_through_a_bounded_number_of_trie_nodes()
    {
        var builder = new RouteTableBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            builder.Add(Route("GET", $"/r{i}/items/{{x}}"));
        }

        builder.Add(Route("GET", "/{a}/{b}/{x}"));
        var built = builder.Build();
        Assert.Empty(built.Conflicts);

        var first = built.Table.Match("GET", "/r0/items/7", out var firstVisits);
        var last = built.Table.Match("GET", "/r9999/items/7", out var lastVisits);
        var fallback = built.Table.Match("GET", "/zzz/items/7", out var fallbackVisits);
        built.Table.Match("GET", "/zzz", out var missVisits);

        Assert.Equal("/r0/items/{x}", first.Route?.Template.ToString());
        Assert.Equal("/r9999/items/{x}", last.Route?.Template.ToString());
        Assert.Equal("/{a}/{b}/{x}", fallback.Route?.Template.ToString());
        Assert.Equal(4, firstVisits);
        Assert.Equal(4, lastVisits);
        Assert.Equal(4, fallbackVisits);
        Assert.True(missVisits <= 4, $"a miss visited {missVisits} nodes");
    }

    [Fact]
    public void Matching_without_variables_or_escapes_allocates_nothing()
    {
        var table = TodoTable();
        string[] paths = ["/v1/tasks", "/v1/tasks:batchCreate", "/v1/missing/path/here"];
        foreach (var path in paths)
        {
            table.Match("POST", path);
        }

        foreach (var path in paths)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var match = table.Match("POST", path);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.NotEqual(RouteMatchKind.BadRequest, match.Kind);
            Assert.True(allocated == 0, $"{path} allocated {allocated} bytes");
        }
    }
}
