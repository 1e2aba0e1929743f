using Google.Api;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Strait.Routing;
using Strait.Tests.Routing.Protos;
using static Strait.Tests.Support.RoutingFixtures;

namespace Strait.Tests.Routing;

public class HttpRuleReaderTests
{
    [Fact]
    public void Reads_the_annotation_of_generated_descriptors()
    {
        var rule = HttpRuleReader.GetAnnotation(TodoMethod("GetTodo"));

        Assert.Equal("/v1/{name=tasks/*}", rule?.Get);
        Assert.Null(HttpRuleReader.GetAnnotation(TodoMethod("Unannotated")));
        var none = HttpRuleReader.ReadAnnotation(TodoMethod("Unannotated"));
        Assert.Empty(none.Routes);
        Assert.Empty(none.Errors);
    }

    [Fact]
    public void Reads_the_annotation_of_descriptors_built_without_an_extension_registry()
    {
        var files = FileDescriptor.BuildFromByteStrings(
        [
            DescriptorReflection.Descriptor.SerializedData,
            HttpReflection.Descriptor.SerializedData,
            AnnotationsReflection.Descriptor.SerializedData,
            FieldMaskReflection.Descriptor.SerializedData,
            RoutingTodoReflection.Descriptor.SerializedData,
        ]);
        var method = files[^1].FindTypeByName<ServiceDescriptor>("TodoService").FindMethodByName("UpdateTodo");
        Assert.False(method.GetOptions().HasExtension(AnnotationsExtensions.Http));

        var read = HttpRuleReader.ReadAnnotation(method);

        Assert.Empty(read.Errors);
        var route = Assert.Single(read.Routes);
        Assert.Equal("PATCH", route.HttpMethod);
        Assert.Equal("/v1/{todo.name=tasks/*}", route.Template.ToString());
        Assert.Equal("todo", route.Body?.Field?.Name);
    }

    [Fact]
    public void Reads_additional_bindings_and_custom_kinds()
    {
        var read = HttpRuleReader.ReadAnnotation(TodoMethod("WatchTodo"));

        Assert.Empty(read.Errors);
        Assert.Equal(
            ["WATCH /v1/{name=tasks/*}:watch Annotation", "GET /v1/{name=tasks/*}:watch AdditionalBinding",
             "GET /v2/{name=tasks/*}/watch AdditionalBinding"],
            read.Routes.Select(r => $"{r.HttpMethod} {r.Template} {r.Source}"));
    }

    [Fact]
    public void Config_rules_are_marked_as_config()
    {
        var rule = Rule("GET", "/v1/{inner.child.value}");
        rule.AdditionalBindings.Add(Rule("POST", "/v1/x", body: "inner"));

        var read = HttpRuleReader.Read(Call, rule, RouteSource.Config);

        Assert.Empty(read.Errors);
        Assert.Equal([RouteSource.Config, RouteSource.AdditionalBinding], read.Routes.Select(r => r.Source));
        Assert.Equal(["inner", "child", "value"], read.Routes[0].VariableFieldPaths[0].Select(f => f.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => HttpRuleReader.Read(Call, rule, RouteSource.Generated));
    }

    [Theory]
    [InlineData("/v1/{color}")]
    [InlineData("/v1/{count}/{data}")]
    [InlineData("/v1/{inner.value}/{other_inner.depth}")]
    [InlineData("/v1/{maybe}")]
    [InlineData("/v1/{by_name}")]
    public void Scalar_and_enum_variables_are_accepted(string template)
    {
        Assert.Empty(HttpRuleReader.Read(Call, Rule("GET", template), RouteSource.Config).Errors);
    }

    [Theory]
    [InlineData("/v1/{nope}", "path variable 'nope': strait.tests.routing.ProbeRequest has no field 'nope'")]
    [InlineData("/v1/{customName}", "path variable 'customName': strait.tests.routing.ProbeRequest has no field 'customName'")]
    [InlineData("/v1/{inner}", "path variable 'inner' is a message field (strait.tests.routing.Inner)")]
    [InlineData("/v1/{when}", "path variable 'when' is a message field (google.protobuf.Timestamp)")]
    [InlineData("/v1/{tags}", "path variable 'tags' is a repeated or map field")]
    [InlineData("/v1/{labels}", "path variable 'labels' is a repeated or map field")]
    [InlineData("/v1/{inner.numbers}", "path variable 'inner.numbers' is a repeated or map field")]
    [InlineData("/v1/{inners.value}", "'inners.value' goes through 'inners', which is not a singular message field")]
    [InlineData("/v1/{x.y}", "'x.y' goes through 'x', which is not a singular message field")]
    [InlineData("/v1/{x}/{x}", "field 'x' is bound twice")]
    [InlineData("/v1/{x", "Invalid path template '/v1/{x': expected '}'")]
    public void Invalid_variables_are_reported_with_method_and_rule(string template, string problem)
    {
        var read = HttpRuleReader.Read(Call, Rule("GET", template), RouteSource.Config);

        Assert.Empty(read.Routes);
        var error = Assert.Single(read.Errors);
        Assert.Equal("strait.tests.routing.ProbeService.Call", error.MethodFullName);
        Assert.Equal($"get \"{template}\"", error.Rule);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"strait.tests.routing.ProbeService.Call [get \"{template}\"]: ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*", null)]
    [InlineData("x", "x")]
    [InlineData("tags", "tags")]
    [InlineData("labels", "labels")]
    [InlineData("inner", "inner")]
    public void Body_may_be_the_whole_message_or_any_top_level_field(string body, string? field)
    {
        var route = Route("POST", "/v1/things", body: body);

        Assert.Equal(field, route.Body?.Field?.Name);
        Assert.Equal(field is null, route.Body?.IsWholeMessage);
    }

    [Theory]
    [InlineData("nope", "", "body 'nope' is not a field of strait.tests.routing.ProbeRequest")]
    [InlineData("inner.value", "", "body 'inner.value' must name a top-level field of strait.tests.routing.ProbeRequest")]
    [InlineData("", "nope", "response_body 'nope' is not a field of strait.tests.routing.ProbeResponse")]
    [InlineData("", "inner.value", "response_body 'inner.value' must name a top-level field")]
    [InlineData("", "*", "response_body '*' is not a field of strait.tests.routing.ProbeResponse")]
    public void Invalid_body_fields_are_reported(string body, string responseBody, string problem)
    {
        var read = HttpRuleReader.Read(Call, Rule("POST", "/v1/things", body, responseBody), RouteSource.Config);

        Assert.Empty(read.Routes);
        Assert.Contains(problem, Assert.Single(read.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Response_body_resolves_against_the_output_message()
    {
        var read = HttpRuleReader.Read(Call, Rule("GET", "/v1/things", responseBody: "items"), RouteSource.Config);

        Assert.Equal("items", Assert.Single(read.Routes).ResponseBody?.Name);
    }

    [Fact]
    public void Every_problem_of_a_rule_is_reported()
    {
        var read = HttpRuleReader.Read(Call, Rule("POST", "/v1/{nope}", "missing", "absent"), RouteSource.Config);

        Assert.Empty(read.Routes);
        Assert.Equal(3, read.Errors.Count);
        Assert.All(read.Errors, e => Assert.Equal("post \"/v1/{nope}\" body \"missing\" response_body \"absent\"", e.Rule));
    }

    [Theory]
    [InlineData("", "custom kind '' is not an HTTP method name")]
    [InlineData("GO AWAY", "custom kind 'GO AWAY' is not an HTTP method name")]
    public void Custom_kind_must_be_a_method_token(string kind, string problem)
    {
        var read = HttpRuleReader.Read(Call, Rule(kind, "/v1/x"), RouteSource.Config);

        Assert.Equal(problem, Assert.Single(read.Errors).Message);
    }

    [Fact]
    public void Custom_kind_is_upper_cased()
    {
        Assert.Equal("PURGE", Route("purge", "/v1/x").HttpMethod);
    }

    [Fact]
    public void Rule_without_pattern_is_an_error()
    {
        var read = HttpRuleReader.Read(Call, new HttpRule { Body = "*" }, RouteSource.Config);

        var error = Assert.Single(read.Errors);
        Assert.Equal("no pattern body \"*\"", error.Rule);
        Assert.Contains("the rule has no pattern", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_additional_bindings_are_an_error_and_valid_bindings_are_kept()
    {
        var nested = Rule("GET", "/v1/b");
        nested.AdditionalBindings.Add(Rule("GET", "/v1/c"));
        var rule = Rule("GET", "/v1/a");
        rule.AdditionalBindings.Add(nested);
        rule.AdditionalBindings.Add(Rule("GET", "/v1/{nope}"));

        var read = HttpRuleReader.Read(Call, rule, RouteSource.Annotation);

        Assert.Equal(["/v1/a", "/v1/b"], read.Routes.Select(r => r.Template.ToString()));
        Assert.Equal(2, read.Errors.Count);
        Assert.Equal("an additional binding cannot have additional bindings", read.Errors[0].Message);
        Assert.Equal("get \"/v1/b\"", read.Errors[0].Rule);
        Assert.Equal("get \"/v1/{nope}\"", read.Errors[1].Rule);
    }
}
