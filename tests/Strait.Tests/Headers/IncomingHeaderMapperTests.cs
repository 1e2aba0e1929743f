using System.Net;
using Strait.Headers;
using Strait.Observability;
using Strait.Routing;
using Strait.Wire;
using static Strait.Tests.Headers.HeaderMappingTestSupport;

namespace Strait.Tests.Headers;

public sealed class IncomingHeaderMapperTests
{
    private static readonly HeaderRuleOptions[] GoldenRules =
    [
        new() { HttpHeader = "Authorization", GrpcMetadata = "authorization" },
        new() { HttpHeader = "X-Request-ID", GrpcMetadata = "request-id" },
        new() { HttpHeader = "X-User-Role", GrpcMetadata = "user-role" },
    ];

    [Fact]
    public void The_golden_scenario_maps_the_three_headers()
    {
        var (metadata, problem) = MapIncoming(Plan(GoldenRules), Request(("Authorization", "Bearer abc123"), ("X-Request-ID", "req-456"), ("X-User-Role", "admin")));

        Assert.Null(problem);
        Assert.Equal("Bearer abc123", metadata.Single("authorization"));
        Assert.Equal("req-456", metadata.Single("request-id"));
        Assert.Equal("admin", metadata.Single("user-role"));
        Assert.Equal("req-test", metadata.Single("x-request-id"));
    }

    [Fact]
    public void Explicit_mode_forwards_only_what_rules_name()
    {
        var (metadata, _) = MapIncoming(Plan(GoldenRules), Request(("X-Other", "x"), ("Grpc-Metadata-Tenant", "acme"), ("Cookie", "a=b")));

        Assert.DoesNotContain(metadata, e => e.Key is "x-other" or "tenant" or "cookie" or "grpcgateway-cookie");
    }

    [Fact]
    public void A_missing_required_header_is_a_400_naming_it_and_nothing_is_forwarded()
    {
        var (metadata, problem) = MapIncoming(Plan(new HeaderRuleOptions { HttpHeader = "X-Tenant", Required = true }), Request());

        Assert.NotNull(problem);
        Assert.Equal(400, problem.Status);
        Assert.Equal("missing-header", problem.TypeSlug);
        Assert.Contains("X-Tenant", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("X-Tenant", Assert.Single(problem.Errors).Field);
        Assert.Empty(metadata.GetValues("x-tenant"));
    }

    [Fact]
    public void A_default_fills_an_absent_header_but_not_a_present_one()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "X-User-Role", GrpcMetadata = "user-role", Default = "guest" });

        Assert.Equal("guest", MapIncoming(plan, Request()).Metadata.Single("user-role"));
        Assert.Equal("admin", MapIncoming(plan, Request(("X-User-Role", "admin"))).Metadata.Single("user-role"));
    }

    [Fact]
    public void Every_value_of_a_multi_valued_header_is_kept_in_order()
    {
        var (metadata, _) = MapIncoming(Plan(new HeaderRuleOptions { HttpHeader = "X-Tag", GrpcMetadata = "tag" }), Request(("X-Tag", "a"), ("X-Tag", "b"), ("X-Tag", "c")));

        Assert.Equal(["a", "b", "c"], metadata.GetValues("tag"));
    }

    [Fact]
    public void Transforms_run_in_order_on_every_value()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "Authorization", GrpcMetadata = "token", Transforms = ["bearer_token", "mask(3)"] });

        Assert.Equal("***123", MapIncoming(plan, Request(("Authorization", "Bearer abc123"))).Metadata.Single("token"));
    }

    [Fact]
    public void A_failing_transform_is_a_400_naming_the_header_and_the_transform()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "Authorization", GrpcMetadata = "token", Transforms = ["bearer_token"] });

        var (_, problem) = MapIncoming(plan, Request(("Authorization", "Basic dXNlcg==")));

        Assert.Equal(400, problem!.Status);
        Assert.Contains("'Authorization'", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("bearer_token", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_keys_take_base64_padded_or_not_and_reject_anything_else()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "X-Trace", GrpcMetadata = "trace-bin" });

        Assert.Equal([new byte[] { 1, 2, 3, 4 }], MapIncoming(plan, Request(("X-Trace", "AQIDBA=="))).Metadata.GetBinaryValues("trace-bin"));
        Assert.Equal([new byte[] { 1, 2, 3, 4 }], MapIncoming(plan, Request(("X-Trace", "AQIDBA"))).Metadata.GetBinaryValues("trace-bin"));
        var (_, problem) = MapIncoming(plan, Request(("X-Trace", "not base64!")));
        Assert.Equal(400, problem!.Status);
        Assert.Contains("base64", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("caf\u00e9")]
    [InlineData("tab\there")]
    [InlineData("line\u0001")]
    public void Values_that_are_not_printable_ASCII_are_a_400_for_text_keys(string value)
    {
        var (metadata, problem) = MapIncoming(Plan(new HeaderRuleOptions { HttpHeader = "X-Name", GrpcMetadata = "name" }), Request(("X-Name", value)));

        Assert.Equal(400, problem!.Status);
        Assert.Contains("-bin", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(metadata.GetValues("name"));
    }

    [Fact]
    public void A_gateway_owned_header_from_the_client_is_a_400()
    {
        var plan = Plan(new HeaderMappingOptions { GatewayOwned = ["X-User-Id"] });

        var (_, problem) = MapIncoming(plan, Request(("x-user-id", "forged")));

        Assert.Equal(400, problem!.Status);
        Assert.Contains("set by the gateway", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connection", "close")]
    [InlineData("Keep-Alive", "timeout=5")]
    [InlineData("Proxy-Authorization", "Basic x")]
    [InlineData("Transfer-Encoding", "chunked")]
    [InlineData("Upgrade", "websocket")]
    [InlineData("TE", "trailers")]
    public void Hop_by_hop_headers_never_cross_even_in_grpc_gateway_mode(string header, string value)
    {
        var plan = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway });

        var (metadata, problem) = MapIncoming(plan, Request((header, value)));

        Assert.Null(problem);
        Assert.DoesNotContain(metadata, e => e.Key.Contains(header.ToLowerInvariant(), StringComparison.Ordinal));
    }

    [Fact]
    public void A_header_named_in_Connection_is_hop_by_hop_for_that_request()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "X-Secret", GrpcMetadata = "secret" });

        var (metadata, _) = MapIncoming(plan, Request(("Connection", "keep-alive, X-Secret"), ("X-Secret", "s")));

        Assert.Empty(metadata.GetValues("secret"));
    }

    [Theory]
    [InlineData("close, X-User")]
    [InlineData("X-User, close")]
    [InlineData("close,X-User")]
    [InlineData("keep-alive,, X-User ,upgrade")]
    public void A_header_named_in_Connection_never_crosses_whatever_else_Connection_lists(string connection)
    {
        var rule = new HeaderRuleOptions { HttpHeader = "X-User", GrpcMetadata = "user" };
        var explicitPlan = Plan(rule);
        var compatible = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway, Rules = [rule] });
        var trusted = Plan(new HeaderMappingOptions { TrustedProxies = ["192.0.2.0/24"] });

        Assert.Empty(MapIncoming(explicitPlan, Request(("Connection", connection), ("X-User", "u"))).Metadata.GetValues("user"));
        Assert.Empty(MapIncoming(compatible, Request(("Connection", connection), ("X-User", "u"))).Metadata.GetValues("user"));
        Assert.Empty(MapIncoming(compatible, Request(("Connection", connection.Replace("X-User", "Grpc-Metadata-X-User", StringComparison.Ordinal)), ("Grpc-Metadata-X-User", "u"))).Metadata.GetValues("x-user"));
        var verbatim = new GrpcMetadata();
        var context = Request(("Connection", connection), ("X-User", "u"));
        Assert.Null(IncomingHeaderMapper.MapVerbatim(context.Request, explicitPlan, new RequestIdentity("req-test", "trace-test"), verbatim));
        Assert.Empty(verbatim.GetValues("x-user"));

        // Gateway metadata taken from headers (a trusted proxy's X-Forwarded-*, the trace context) obeys Connection too.
        var named = connection.Replace("X-User", "X-Forwarded-Host, traceparent", StringComparison.Ordinal);
        var forwarded = MapIncoming(trusted, Request(("Connection", named), ("X-Forwarded-Host", "evil.example"), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))).Metadata;
        Assert.Equal("gateway.test:8080", forwarded.Single("x-forwarded-host"));
        Assert.Empty(forwarded.GetValues("traceparent"));
    }

    [Fact]
    public void Names_match_case_insensitively_unless_configured_otherwise()
    {
        var rule = new HeaderRuleOptions { HttpHeader = "X-Tenant", GrpcMetadata = "tenant" };

        Assert.Equal("a", MapIncoming(Plan(rule), Request(("x-tenant", "a"))).Metadata.Single("tenant"));
        var sensitive = Plan(new HeaderMappingOptions { CaseSensitive = true, Rules = [rule] });
        Assert.Empty(MapIncoming(sensitive, Request(("x-tenant", "a"))).Metadata.GetValues("tenant"));
        Assert.Equal("b", MapIncoming(sensitive, Request(("X-Tenant", "b"))).Metadata.Single("tenant"));
    }

    [Fact]
    public void Overwrite_replaces_what_an_earlier_rule_put_under_the_same_key()
    {
        HeaderRuleOptions[] rules =
        [
            new() { HttpHeader = "X-Tenant", GrpcMetadata = "tenant" },
            new() { HttpHeader = "X-Tenant-Override", GrpcMetadata = "tenant" },
        ];
        var request = Request(("X-Tenant", "a"), ("X-Tenant-Override", "b"));

        Assert.Equal(["a", "b"], MapIncoming(Plan(new HeaderMappingOptions { Rules = [.. rules] }), request).Metadata.GetValues("tenant"));
        Assert.Equal(["b"], MapIncoming(Plan(new HeaderMappingOptions { Overwrite = true, Rules = [.. rules] }), request).Metadata.GetValues("tenant"));
    }

    [Theory]
    [InlineData("/v1/users", null, null, true)]
    [InlineData("/v1/todos", null, null, false)]
    [InlineData(null, "strait.tests.routing.*", null, true)]
    [InlineData(null, "acme.*", null, false)]
    [InlineData(null, null, "*.Create*", true)]
    [InlineData(null, null, "*.Get*", false)]
    public void A_scoped_rule_applies_only_where_its_scope_matches(string? route, string? service, string? method, bool applies)
    {
        var plan = Plan(new HeaderRuleOptions
        {
            HttpHeader = "X-Tenant",
            Required = true,
            Scope = new() { Routes = route is null ? [] : [route], Services = service is null ? [] : [service], Methods = method is null ? [] : [method] },
        });

        var (_, problem) = MapIncoming(plan, Request(), CreateUser);

        Assert.Equal(applies, problem is not null);
    }

    [Fact]
    public void Skip_paths_bypass_the_rules_exactly_or_by_prefix()
    {
        var plan = Plan(new HeaderMappingOptions
        {
            SkipPaths = ["/healthz", "/internal/*"],
            Rules = [new() { HttpHeader = "X-Tenant", Required = true }],
        });

        Assert.Null(MapIncoming(plan, Request("/healthz")).Problem);
        Assert.Null(MapIncoming(plan, Request("/internal/x")).Problem);
        Assert.NotNull(MapIncoming(plan, Request("/healthz/x")).Problem);
    }

    [Fact]
    public void Skip_paths_match_the_canonical_path_as_routing_does()
    {
        var plan = Plan(new HeaderMappingOptions
        {
            SkipPaths = ["/heal%74hz", "/status%2fall"],
            Rules = [new() { HttpHeader = "X-Tenant", Required = true }],
        });

        Assert.True(plan.IsSkipped(RequestTarget.Parse("/healthz").Path));
        Assert.True(plan.IsSkipped(RequestTarget.Parse("/h%65althz?x=1").Path));
        Assert.True(plan.IsSkipped(RequestTarget.Parse("/status%2Fall").Path));
        Assert.False(plan.IsSkipped(RequestTarget.Parse("/status/all").Path));
    }

    [Fact]
    public void Too_many_headers_is_a_431()
    {
        var plan = Plan(new HeaderMappingOptions { MaxHeaderCount = 3 });

        var (_, problem) = MapIncoming(plan, Request(("A", "1"), ("B", "2"), ("C", "3"), ("D", "4")));

        Assert.Equal(431, problem!.Status);
    }

    [Fact]
    public void Metadata_beyond_the_size_limit_is_a_400()
    {
        var plan = Plan(new HeaderMappingOptions { MaxMetadataSize = 200, Rules = [new() { HttpHeader = "X-Big", GrpcMetadata = "big" }] });

        Assert.Null(MapIncoming(plan, Request(("X-Big", new string('a', 50)))).Problem);
        var (_, problem) = MapIncoming(plan, Request(("X-Big", new string('a', 300))));
        Assert.Equal(400, problem!.Status);
        Assert.Equal("metadata-too-large", problem.TypeSlug);
    }

    [Fact]
    public void X_Forwarded_headers_from_an_untrusted_peer_are_replaced()
    {
        var (metadata, _) = MapIncoming(Plan(), Request(("X-Forwarded-For", "10.9.9.9"), ("X-Forwarded-Host", "evil.test"), ("X-Forwarded-Proto", "https")));

        Assert.Equal("192.0.2.7", metadata.Single("x-forwarded-for"));
        Assert.Equal("gateway.test:8080", metadata.Single("x-forwarded-host"));
        Assert.Equal("http", metadata.Single("x-forwarded-proto"));
    }

    [Fact]
    public void X_Forwarded_headers_from_a_trusted_proxy_are_kept_and_appended_to()
    {
        var plan = Plan(new HeaderMappingOptions { TrustedProxies = ["192.0.2.0/24"] });

        var (metadata, _) = MapIncoming(plan, Request(("X-Forwarded-For", "203.0.113.1"), ("X-Forwarded-Host", "api.example"), ("X-Forwarded-Proto", "https")));

        Assert.Equal("203.0.113.1, 192.0.2.7", metadata.Single("x-forwarded-for"));
        Assert.Equal("api.example", metadata.Single("x-forwarded-host"));
        Assert.Equal("https", metadata.Single("x-forwarded-proto"));
    }

    [Fact]
    public void Trace_context_passes_through()
    {
        var (metadata, _) = MapIncoming(Plan(), Request(("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")));

        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", metadata.Single("traceparent"));
    }

    [Fact]
    public void Grpc_gateway_mode_forwards_permanent_headers_prefixed_and_metadata_headers_stripped()
    {
        var plan = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway });

        var (metadata, problem) = MapIncoming(plan, Request(("Authorization", "Bearer a"), ("Accept-Language", "pt"), ("Grpc-Metadata-Tenant", "acme"), ("X-Other", "x")));

        Assert.Null(problem);
        Assert.Equal("Bearer a", metadata.Single("authorization"));
        Assert.Equal("Bearer a", metadata.Single("grpcgateway-authorization"));
        Assert.Equal("pt", metadata.Single("grpcgateway-accept-language"));
        Assert.Equal("acme", metadata.Single("tenant"));
        Assert.Empty(metadata.GetValues("x-other"));
    }

    [Theory]
    [InlineData("Grpc-Metadata-X-Request-Id")]
    [InlineData("Grpc-Metadata-Authorization")]
    [InlineData("Grpc-Metadata-Grpc-Timeout")]
    [InlineData("Grpc-Metadata-Tenant")] // a rule maps X-Tenant to tenant
    [InlineData("Grpc-Metadata-Bad/Key")]
    public void Grpc_gateway_mode_rejects_metadata_headers_that_would_forge_or_bypass(string header)
    {
        var plan = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway, Rules = [new() { HttpHeader = "X-Tenant", GrpcMetadata = "tenant" }] });

        var (_, problem) = MapIncoming(plan, Request((header, "forged")));

        Assert.Equal(400, problem!.Status);
        Assert.Contains(header, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Grpc_gateway_mode_does_not_forward_Authorization_raw_when_a_rule_produces_that_key()
    {
        var plan = Plan(new HeaderMappingOptions
        {
            Mode = HeaderMappingModes.GrpcGateway,
            Rules = [new() { HttpHeader = "X-Api-Token", GrpcMetadata = "authorization", Transforms = ["prefix('Bearer ')"] }],
        });

        var (metadata, _) = MapIncoming(plan, Request(("Authorization", "Bearer forged"), ("X-Api-Token", "t1")));

        Assert.Equal(["Bearer t1"], metadata.GetValues("authorization"));
    }

    [Theory]
    [InlineData("Grpc-Metadata-X-User-Id")] // gateway-owned
    [InlineData("Grpc-Metadata-Grpcgateway-Cookie")] // the mode's own keys
    [InlineData("Grpc-Metadata-Content-Encoding")]
    public void Grpc_gateway_mode_rejects_metadata_headers_for_owned_mode_and_protocol_keys(string header)
    {
        var plan = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway, GatewayOwned = ["X-User-Id"] });

        var (_, problem) = MapIncoming(plan, Request((header, "forged")));

        Assert.Equal(400, problem!.Status);
    }

    [Fact]
    public void A_default_never_replaces_a_value_another_rule_mapped_to_the_same_key()
    {
        var plan = Plan(new HeaderMappingOptions
        {
            Overwrite = true,
            Rules =
            [
                new() { HttpHeader = "X-Tenant", GrpcMetadata = "tenant" },
                new() { HttpHeader = "X-Org", GrpcMetadata = "tenant", Default = "public" },
            ],
        });

        Assert.Equal(["acme"], MapIncoming(plan, Request(("X-Tenant", "acme"))).Metadata.GetValues("tenant"));
        Assert.Equal(["public"], MapIncoming(plan, Request()).Metadata.GetValues("tenant"));
    }

    [Fact]
    public void A_custom_transform_that_throws_is_a_400_not_a_500()
    {
        var registry = new HeaderTransformRegistry();
        registry.RegisterSimple("explode", _ => throw new InvalidOperationException("boom"));
        var plan = HeaderMappingTestSupport.Compile(new HeaderMappingOptions { Rules = [new() { HttpHeader = "X-A", Transforms = ["explode"] }] }, registry);

        var (_, problem) = MapIncoming(plan, Request(("X-A", "1")));

        Assert.Equal(400, problem!.Status);
        Assert.Contains("boom", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Debug_logs_mask_sensitive_values()
    {
        var plan = Plan(new HeaderMappingOptions
        {
            SensitiveHeaders = ["X-Session"],
            Rules = [new() { HttpHeader = "Authorization" }, new() { HttpHeader = "X-Session", GrpcMetadata = "session" }, new() { HttpHeader = "X-Tenant" }],
        });
        var logger = new RecordingLogger();
        var context = Request(("Authorization", "Bearer top-secret"), ("X-Session", "s3cr3t"), ("X-Tenant", "acme"));

        Assert.Null(IncomingHeaderMapper.Map(context.Request, RequestTarget.Read(context).Path, plan.Narrow(CreateUser), plan, new Strait.Observability.RequestIdentity("r", "t"), new Strait.Wire.GrpcMetadata(), logger));

        var logged = string.Join("\n", logger.Lines);
        Assert.DoesNotContain("top-secret", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", logged, StringComparison.Ordinal);
        Assert.Contains("<17 characters, masked>", logged, StringComparison.Ordinal);
        Assert.Contains("acme", logged, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_layer_on_top_of_grpc_gateway_defaults()
    {
        var plan = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway, Rules = [new() { HttpHeader = "Accept-Language", GrpcMetadata = "locale", Transforms = ["lower"] }] });

        var (metadata, _) = MapIncoming(plan, Request(("Accept-Language", "PT-BR")));

        Assert.Equal("pt-br", metadata.Single("locale"));
        Assert.Empty(metadata.GetValues("grpcgateway-accept-language"));
    }
    [Fact]
    public void A_Connection_header_that_names_other_headers_leaves_the_rest_to_cross()
    {
        const string connection = "keep-alive, X-Other";
        const string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var rule = new HeaderRuleOptions { HttpHeader = "X-User", GrpcMetadata = "user" };
        var compatible = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway, Rules = [rule] });

        Assert.Equal("u", MapIncoming(Plan(rule), Request(("Connection", connection), ("X-User", "u"))).Metadata.Single("user"));
        var defaults = MapIncoming(compatible, Request(("Connection", connection), ("Accept-Language", "pt"), ("traceparent", traceparent))).Metadata;
        Assert.Equal("pt", defaults.Single("grpcgateway-accept-language"));
        Assert.Equal(traceparent, defaults.Single("traceparent"));
        var verbatim = new GrpcMetadata();
        var context = Request(("Connection", connection), ("X-User", "u"));
        Assert.Null(IncomingHeaderMapper.MapVerbatim(context.Request, Plan(), new RequestIdentity("req-test", "trace-test"), verbatim));
        Assert.Equal("u", verbatim.Single("x-user"));
    }

    [Fact]
    public void Exactly_the_maximum_header_count_is_accepted_and_one_more_is_a_431()
    {
        var context = Request(("A", "1"), ("B", "2"), ("C", "3"));
        var count = context.Request.Headers.Count;
        var atLimit = Plan(new HeaderMappingOptions { MaxHeaderCount = count });
        var belowCount = Plan(new HeaderMappingOptions { MaxHeaderCount = count - 1 });

        Assert.Null(MapIncoming(atLimit, context).Problem);
        Assert.Null(MapVerbatim(atLimit, context).Problem);
        Assert.Equal(431, MapIncoming(belowCount, context).Problem!.Status);
        var problem = MapVerbatim(belowCount, context).Problem;
        Assert.Equal(431, problem!.Status);
        Assert.Equal($"The request has {count} headers; at most {count - 1} are accepted.", problem.Detail);
    }

    [Fact]
    public void Metadata_of_exactly_the_size_limit_is_accepted_and_one_byte_more_is_a_400()
    {
        // Binary metadata counts its decoded bytes: "AQIDBA==" is four.
        HeaderRuleOptions[] rules = [new() { HttpHeader = "X-Trace", GrpcMetadata = "trace-bin" }, new() { HttpHeader = "X-Name", GrpcMetadata = "name" }];
        var context = Request(("X-Trace", "AQIDBA=="), ("X-Name", "abc"));
        var (metadata, _) = MapIncoming(Plan(new HeaderMappingOptions { Rules = [.. rules] }), context);
        var size = "trace-bin".Length + 4 + metadata.Where(e => !e.IsBinary).Sum(e => e.Key.Length + e.Value.Length);

        Assert.Null(MapIncoming(Plan(new HeaderMappingOptions { MaxMetadataSize = size, Rules = [.. rules] }), context).Problem);
        var problem = MapIncoming(Plan(new HeaderMappingOptions { MaxMetadataSize = size - 1, Rules = [.. rules] }), context).Problem;
        Assert.Equal(400, problem!.Status);
        Assert.Equal("metadata-too-large", problem.TypeSlug);
    }

    [Fact]
    public void A_gateway_owned_header_sent_on_a_gRPC_call_is_a_400_naming_it()
    {
        var plan = Plan(new HeaderMappingOptions { GatewayOwned = ["X-User-Id"] });

        var (metadata, problem) = MapVerbatim(plan, Request(("X-User-Id", "forged"), ("X-Other", "x")));

        Assert.Equal(400, problem!.Status);
        Assert.Equal("invalid-header", problem.TypeSlug);
        Assert.Contains("set by the gateway; clients cannot send it", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("x-user-id", problem.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(metadata);
    }

    [Fact]
    public void A_gRPC_call_forwards_its_headers_as_sent_with_the_gateway_metadata_added()
    {
        const string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var context = Request(("X-Tenant", "acme"), ("X-Tenant", "beta"), ("traceparent", traceparent), ("tracestate", "vendor=1"));

        var (metadata, problem) = MapVerbatim(Plan(), context);

        Assert.Null(problem);
        Assert.Equal(["acme", "beta"], metadata.GetValues("x-tenant"));
        Assert.Equal("req-test", metadata.Single("x-request-id"));
        Assert.Equal(traceparent, metadata.Single("traceparent"));
        Assert.Equal("vendor=1", metadata.Single("tracestate"));
        Assert.Equal("192.0.2.7", metadata.Single("x-forwarded-for"));
        Assert.Equal("gateway.test:8080", metadata.Single("x-forwarded-host"));
        Assert.Equal("http", metadata.Single("x-forwarded-proto"));
    }

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("Content-Length")]
    [InlineData("User-Agent")]
    [InlineData("Accept")]
    [InlineData("Accept-Encoding")]
    [InlineData("X-Grpc-Web")]
    [InlineData("X-User-Agent")]
    [InlineData("Origin")]
    [InlineData("Access-Control-Request-Method")]
    [InlineData("Access-Control-Request-Headers")]
    [InlineData("Keep-Alive")]
    [InlineData("TE")]
    public void A_gRPC_call_does_not_forward_its_transport_and_browser_headers(string header)
    {
        var (metadata, problem) = MapVerbatim(Plan(), Request((header, "client-value")));

        Assert.Null(problem);
        Assert.Empty(metadata.GetValues(header.ToLowerInvariant()));
    }

    [Theory]
    [InlineData("X-Request-Id", "req-test")]
    [InlineData("X-Forwarded-For", "192.0.2.7")]
    [InlineData("X-Forwarded-Host", "gateway.test:8080")]
    [InlineData("X-Forwarded-Proto", "http")]
    [InlineData("traceparent", "client-value")]
    [InlineData("tracestate", "client-value")]
    public void A_gRPC_call_gets_the_gateway_metadata_once_not_the_client_copy_as_well(string header, string expected)
    {
        var (metadata, problem) = MapVerbatim(Plan(), Request((header, "client-value")));

        Assert.Null(problem);
        Assert.Equal(expected, metadata.Single(header.ToLowerInvariant()));
    }

    [Fact]
    public void A_skipped_path_still_gets_the_gateway_metadata()
    {
        var plan = Plan(new HeaderMappingOptions { SkipPaths = ["/healthz"], Rules = [new() { HttpHeader = "X-Tenant", Required = true }] });

        var (metadata, problem) = MapIncoming(plan, Request("/healthz", ("tracestate", "vendor=1")));

        Assert.Null(problem);
        Assert.Equal("req-test", metadata.Single("x-request-id"));
        Assert.Equal("vendor=1", metadata.Single("tracestate"));
        Assert.Equal("192.0.2.7", metadata.Single("x-forwarded-for"));
    }

    [Theory]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public void The_peer_in_X_Forwarded_For_is_shown_as_IPv4_when_it_is_IPv4_mapped(string peer, string shown)
    {
        var context = Request();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);

        Assert.Equal(shown, MapIncoming(Plan(), context).Metadata.Single("x-forwarded-for"));
    }

    [Fact]
    public void An_IPv4_mapped_peer_inside_a_trusted_IPv4_range_is_a_trusted_proxy()
    {
        var plan = Plan(new HeaderMappingOptions { TrustedProxies = ["192.0.2.0/24"] });
        var context = Request(("X-Forwarded-For", "203.0.113.1"));
        context.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:192.0.2.7");

        Assert.Equal("203.0.113.1, 192.0.2.7", MapIncoming(plan, context).Metadata.Single("x-forwarded-for"));
    }

    [Fact]
    public void Trace_context_that_is_not_printable_ASCII_is_dropped_not_refused()
    {
        var (metadata, problem) = MapIncoming(Plan(), Request(("traceparent", "caf\u00e9"), ("tracestate", "tab\there")));

        Assert.Null(problem);
        Assert.Empty(metadata.GetValues("traceparent"));
        Assert.Empty(metadata.GetValues("tracestate"));
    }

    [Fact]
    public void A_valid_base64_value_for_a_binary_key_is_accepted()
    {
        var plan = Plan(new HeaderRuleOptions { HttpHeader = "X-Trace", GrpcMetadata = "trace-bin" });

        var (metadata, problem) = MapIncoming(plan, Request(("X-Trace", "AQIDBA==")));

        Assert.Null(problem);
        Assert.Equal([new byte[] { 1, 2, 3, 4 }], metadata.GetBinaryValues("trace-bin"));
    }

    [Theory]
    [InlineData("Grpc-Metadata-Trace-Bin", "not base64!", "The request header 'Grpc-Metadata-Trace-Bin' is not valid base64.")]
    [InlineData("Grpc-Metadata-Name", "caf\u00e9", "The request header 'Grpc-Metadata-Name' contains characters that are not printable ASCII.")]
    [InlineData("Accept-Language", "caf\u00e9", "The request header 'Accept-Language' contains characters that are not printable ASCII.")]
    public void Grpc_gateway_mode_says_whether_a_value_is_bad_base64_or_not_printable(string header, string value, string detail)
    {
        var plan = Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway });

        var (_, problem) = MapIncoming(plan, Request((header, value)));

        Assert.Equal(400, problem!.Status);
        Assert.Equal(detail, problem.Detail);
    }
}

internal sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add(formatter(state, exception));
}
