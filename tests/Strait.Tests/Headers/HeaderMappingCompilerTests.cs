using Strait.Headers;

namespace Strait.Tests.Headers;

public sealed class HeaderMappingCompilerTests
{
    public static TheoryData<string, object, string> InvalidOptions => new()
    {
        { "empty header", Rules(new HeaderRuleOptions { HttpHeader = " " }), "headers.rules[0].httpHeader: is empty" },
        { "bad header name", Rules(new HeaderRuleOptions { HttpHeader = "X User" }), "headers.rules[0].httpHeader: 'X User' is not a valid HTTP header name" },
        { "hop-by-hop header", Rules(new HeaderRuleOptions { HttpHeader = "Connection" }), "hop-by-hop or protocol header" },
        { "protocol header", Rules(new HeaderRuleOptions { HttpHeader = "Content-Type" }), "hop-by-hop or protocol header" },
        { "bad metadata key", Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a/b" }), "headers.rules[0].grpcMetadata: 'a/b' is not a valid metadata key" },
        { "upper-case key", Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "User-Role" }), "must be lower case" },
        { "reserved key", Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "grpc-timeout" }), "reserved by the gRPC protocol" },
        { "gateway-set key", Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "x-forwarded-for" }), "set by Strait itself" },
        { "bad direction", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Direction = "sideways" }), "headers.rules[0].direction: 'sideways' is not a direction" },
        { "unknown transform", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Transforms = ["trim", "shout"] }), "headers.rules[0].transforms[1]: unknown transform 'shout'" },
        { "bad regex", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Transforms = ["regex_replace('[', '')"] }), "headers.rules[0].transforms[0]: regex_replace() pattern '[' is not a valid regular expression" },
        { "required with default", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Required = true, Default = "x" }), "headers.rules[0]: is required and has a default" },
        { "non-ASCII default", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Default = "é" }), "headers.rules[0].default: 'é' holds characters that are not printable ASCII" },
        { "non-base64 binary default", Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a-bin", Default = "!!" }), "is not base64" },
        { "trailer target on incoming", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Target = "trailer" }), "headers.rules[0].target: applies only to outgoing (or both-way) rules" },
        { "bad target", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Direction = "outgoing", Target = "body" }), "'body' is not a target" },
        { "scope route without slash", Rules(new HeaderRuleOptions { HttpHeader = "X-A", Scope = new() { Routes = ["v1/users"] } }), "headers.rules[0].scope.routes[0]: 'v1/users' must start with '/'" },
        {
            "duplicate",
            Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a" }, new HeaderRuleOptions { HttpHeader = "x-a", GrpcMetadata = "a" }),
            "headers.rules[1]: duplicates headers.rules[0] (incoming x-a ⇄ a)"
        },
        {
            "contradiction",
            Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a" }, new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a", Required = true }),
            "headers.rules[1]: contradicts headers.rules[0]"
        },
        {
            "both overlaps outgoing",
            Rules(new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a", Direction = "both" }, new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a", Direction = "outgoing" }),
            "headers.rules[1]: duplicates headers.rules[0] (outgoing X-A ⇄ a)"
        },
        { "gateway-owned mapped", new HeaderMappingOptions { GatewayOwned = ["X-User-Id"], Rules = [new() { HttpHeader = "x-user-id" }] }, "'x-user-id' is gateway-owned" },
        { "bad mode", new HeaderMappingOptions { Mode = "magic" }, "headers.mode: 'magic' is not a mode" },
        { "bad skip path", new HeaderMappingOptions { SkipPaths = ["healthz"] }, "headers.skipPaths[0]: 'healthz' must start with '/'" },
        { "dot segment skip path", new HeaderMappingOptions { SkipPaths = ["/a/../healthz"] }, "headers.skipPaths[0]: '/a/../healthz' has a '.' or '..' segment" },
        { "malformed skip path", new HeaderMappingOptions { SkipPaths = ["/health%z"] }, "headers.skipPaths[0]: '/health%z' has a '%'" },
        { "bad proxy", new HeaderMappingOptions { TrustedProxies = ["10.0.0.0/99"] }, "headers.trustedProxies[0]: '10.0.0.0/99' is neither" },
        { "bad trailer prefix", new HeaderMappingOptions { TrailerPrefix = "Grpc Trailer" }, "headers.trailerPrefix" },
        { "zero header limit", new HeaderMappingOptions { MaxHeaderCount = 0 }, "headers.maxHeaderCount: must be at least 1" },
        { "zero metadata limit", new HeaderMappingOptions { MaxMetadataSize = 0 }, "headers.maxMetadataSize: must be at least 1" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_configuration_is_reported_with_its_location(string because, object optionsValue, string expected)
    {
        var options = (HeaderMappingOptions)optionsValue;
        var errors = new List<string>();
        Assert.Null(HeaderMappingCompiler.TryCompile(options, new HeaderTransformRegistry(), errors));

        Assert.True(errors.Any(e => e.Contains(expected, StringComparison.Ordinal)), $"{because}: expected '{expected}' in:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var options = Rules(
            new HeaderRuleOptions { HttpHeader = "" },
            new HeaderRuleOptions { HttpHeader = "X-B", Transforms = ["nope"] },
            new HeaderRuleOptions { HttpHeader = "X-C", Direction = "up" });

        var errors = new List<string>();
        Assert.Null(HeaderMappingCompiler.TryCompile(options, new HeaderTransformRegistry(), errors));

        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void A_valid_configuration_compiles_into_rules_of_each_direction()
    {
        var options = Rules(
            new HeaderRuleOptions { HttpHeader = "Authorization", GrpcMetadata = "authorization", Required = true },
            new HeaderRuleOptions { HttpHeader = "X-Server-Version", GrpcMetadata = "x-server-version", Direction = "outgoing" },
            new HeaderRuleOptions { HttpHeader = "X-Tenant", Direction = "both", Transforms = ["trim", "lower"] });

        var plan = HeaderMappingTestSupport.Compile(options, new HeaderTransformRegistry());

        Assert.Equal(["authorization", "x-tenant"], plan.Incoming.Select(r => r.MetadataKey));
        Assert.Equal(["x-server-version", "x-tenant"], plan.Outgoing.Select(r => r.MetadataKey));
        Assert.Equal(["trim", "lower"], plan.Incoming[1].Transforms.Select(t => t.Name));
    }

    [Fact]
    public void The_fluent_builder_fills_the_same_options_as_configuration()
    {
        var options = new HeaderMappingBuilder()
            .Mode(HeaderMappingModes.GrpcGateway)
            .Incoming("X-User-Role", "user-role", r => r.Transform("lower").Default("guest"))
            .Outgoing("processing-time", "X-Processing-Time", r => r.ToHeader())
            .Both("X-Tenant", "tenant", r => r.Scope(services: ["acme.*"]))
            .Configure(o => o.Strict = true)
            .Build();

        var plan = HeaderMappingTestSupport.Compile(options, new HeaderTransformRegistry());

        Assert.True(plan.IsGrpcGatewayCompatible);
        Assert.True(plan.Strict);
        Assert.Equal("guest", plan.Incoming[0].Default);
        Assert.Equal(OutgoingTarget.Header, plan.Outgoing[0].Target);
        Assert.False(plan.Incoming[1].Scope.IsEverywhere);
    }

    private static HeaderMappingOptions Rules(params HeaderRuleOptions[] rules) => new() { Rules = [.. rules] };
}
