using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Strait.Errors;
using Strait.Headers;
using Strait.Routing;
using Strait.Wire;
using static Strait.Tests.Headers.HeaderMappingTestSupport;

namespace Strait.Tests.Headers;

public sealed class OutgoingHeaderMapperTests
{
    private static readonly HeaderRuleOptions[] GoldenRules =
    [
        new() { HttpHeader = "X-Server-Version", GrpcMetadata = "x-server-version", Direction = "outgoing" },
        new() { HttpHeader = "X-Processing-Time", GrpcMetadata = "processing-time", Direction = "outgoing" },
    ];

    [Fact]
    public void The_golden_scenario_maps_response_metadata_to_headers()
    {
        var context = Request();

        Apply(Plan(GoldenRules), context, Metadata(("x-server-version", "v1.2.0"), ("processing-time", "12ms"), ("internal-cost", "7")));

        Assert.Equal("v1.2.0", context.Response.Headers["X-Server-Version"]);
        Assert.Equal("12ms", context.Response.Headers["X-Processing-Time"]);
        Assert.False(context.Response.Headers.ContainsKey("Grpc-Metadata-Internal-Cost"));
        Assert.False(context.Response.Headers.ContainsKey("internal-cost"));
    }

    [Fact]
    public void Every_value_crosses_not_just_the_first()
    {
        var context = Request();

        Apply(Plan(new HeaderRuleOptions { HttpHeader = "X-Warning", GrpcMetadata = "warning", Direction = "outgoing" }), context, Metadata(("warning", "a"), ("warning", "b")));

        Assert.Equal("a,b", string.Join(",", context.Response.Headers["X-Warning"].ToArray()));
    }

    [Fact]
    public void Grpc_gateway_mode_prefixes_unmapped_metadata()
    {
        var context = Request();

        Apply(Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway }), context, Metadata(("x-cost", "7")), Metadata(("x-done", "yes")));

        Assert.Equal("7", context.Response.Headers["Grpc-Metadata-x-cost"]);
        Assert.Equal("yes", context.Response.Headers["Grpc-Trailer-x-done"]);
    }

    [Fact]
    public void Trailers_become_prefixed_headers_for_clients_that_cannot_take_trailers()
    {
        var rules = new HeaderRuleOptions { HttpHeader = "X-Processing-Time", GrpcMetadata = "processing-time", Direction = "outgoing" };
        var context = Http2Request(teTrailers: false);

        Apply(Plan(new HeaderMappingOptions { TrailerPrefix = "Trailer-", Rules = [rules] }), context, Metadata(), Metadata(("processing-time", "12ms")));

        Assert.Equal("12ms", context.Response.Headers["Trailer-X-Processing-Time"]);
    }

    [Fact]
    public void Trailers_are_real_trailers_over_http2_with_te_trailers()
    {
        var context = Http2Request(teTrailers: true);

        Apply(Plan(GoldenRules), context, Metadata(), Metadata(("processing-time", "12ms")));

        Assert.Equal("12ms", context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()!.Trailers["X-Processing-Time"]);
        Assert.False(context.Response.Headers.ContainsKey("Grpc-Trailer-X-Processing-Time"));
    }

    [Fact]
    public void A_target_forces_header_or_trailer_delivery()
    {
        var plan = Plan(
            new HeaderRuleOptions { HttpHeader = "X-Processing-Time", GrpcMetadata = "processing-time", Direction = "outgoing", Target = "header" },
            new HeaderRuleOptions { HttpHeader = "X-Checksum", GrpcMetadata = "checksum", Direction = "outgoing", Target = "trailer" });
        var context = Request();

        Apply(plan, context, Metadata(("checksum", "abc")), Metadata(("processing-time", "12ms")));

        Assert.Equal("12ms", context.Response.Headers["X-Processing-Time"]);
        Assert.Equal("abc", context.Response.Headers["Grpc-Trailer-X-Checksum"]);
    }

    [Theory]
    [InlineData("201", 201)]
    [InlineData("202", 202)]
    [InlineData("204", 204)]
    [InlineData("200", 200)]
    [InlineData("500", null)]
    [InlineData("301", null)]
    [InlineData("abc", null)]
    public void The_backend_sets_the_success_status_through_x_http_code(string value, int? expected)
    {
        var context = Request();

        var status = Apply(Plan(), context, Metadata(("x-http-code", value), ("location", "/v1/users/7")));

        Assert.Equal(expected, status);
        Assert.Equal("/v1/users/7", context.Response.Headers.Location);
        Assert.False(context.Response.Headers.ContainsKey("x-http-code"));
    }

    [Fact]
    public void Status_and_location_conventions_do_not_apply_to_failed_calls()
    {
        var context = Request();

        var status = Apply(Plan(), context, Metadata(("x-http-code", "201"), ("location", "/x")), succeeded: false);

        Assert.Null(status);
        Assert.False(context.Response.Headers.ContainsKey("Location"));
    }

    [Fact]
    public void A_missing_required_outgoing_header_is_counted_and_only_a_502_when_strict()
    {
        var rule = new HeaderRuleOptions { HttpHeader = "X-Server-Version", GrpcMetadata = "x-server-version", Direction = "outgoing", Required = true };
        using var counts = new OutcomeCounter();

        Assert.Null(Apply(Plan(rule), Request(), Metadata(), out var lenient));
        Assert.Null(lenient);
        var problem = Apply(Plan(new HeaderMappingOptions { Strict = true, Rules = [rule] }), Request(), Metadata(), out _);

        Assert.Equal(502, problem!.Status);
        Assert.Contains("x-server-version", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(2, counts.Count("outgoing", "missing"));
    }

    [Fact]
    public void An_outgoing_default_fills_in_for_absent_metadata()
    {
        var context = Request();

        Apply(Plan(new HeaderRuleOptions { HttpHeader = "X-Api-Version", GrpcMetadata = "api-version", Direction = "outgoing", Default = "1" }), context, Metadata());

        Assert.Equal("1", context.Response.Headers["X-Api-Version"]);
    }

    [Fact]
    public void A_failing_outgoing_transform_drops_the_value_without_failing_the_reply()
    {
        var context = Request();
        using var counts = new OutcomeCounter();

        var problem = Apply(
            Plan(new HeaderRuleOptions { HttpHeader = "X-Created", GrpcMetadata = "created", Direction = "outgoing", Transforms = ["unix_to_rfc3339"] }),
            context,
            Metadata(("created", "not-a-number")),
            out _);

        Assert.Null(problem);
        Assert.False(context.Response.Headers.ContainsKey("X-Created"));
        Assert.Equal(1, counts.Count("outgoing", "rejected"));
    }

    [Fact]
    public void A_strict_required_rule_whose_value_is_rejected_drops_it_without_failing_the_reply()
    {
        var plan = Plan(new HeaderMappingOptions
        {
            Strict = true,
            Rules = [new() { HttpHeader = "X-Created", GrpcMetadata = "created", Direction = "outgoing", Required = true, Transforms = ["unix_to_rfc3339"] }],
        });
        var context = Request();

        Assert.Null(Apply(plan, context, Metadata(("created", "not-a-number")), out _));
        Assert.False(context.Response.Headers.ContainsKey("X-Created"));
    }

    [Fact]
    public void Unmapped_trailers_keep_their_prefix_as_real_trailers_in_grpc_gateway_mode()
    {
        var context = Http2Request(teTrailers: true);

        Apply(Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway }), context, Metadata(), Metadata(("x-done", "yes")));

        Assert.Equal("yes", context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()!.Trailers["Grpc-Trailer-x-done"]);
    }

    [Theory]
    [InlineData("Content-", "length")]
    [InlineData("Transfer-", "encoding")]
    [InlineData("Keep-", "alive")]
    public void A_prefix_and_a_backend_key_never_spell_a_protocol_header(string prefix, string key)
    {
        var context = Request();

        Apply(Plan(new HeaderMappingOptions { Mode = HeaderMappingModes.GrpcGateway, TrailerPrefix = prefix }), context, Metadata(), Metadata((key, "1")));

        Assert.False(context.Response.Headers.ContainsKey(prefix + key));
    }

    [Fact]
    public void A_streams_head_maps_its_headers_and_header_defaults_without_checking_required_rules()
    {
        var plan = Plan(new HeaderMappingOptions
        {
            Strict = true,
            Rules =
            [
                .. GoldenRules,
                new() { HttpHeader = "X-Api-Version", GrpcMetadata = "api-version", Direction = "outgoing", Target = "header", Default = "1" },
                new() { HttpHeader = "X-Checksum", GrpcMetadata = "checksum", Direction = "outgoing", Default = "none" },
                new() { HttpHeader = "X-Tenant", GrpcMetadata = "tenant", Direction = "outgoing", Required = true },
            ],
        });
        var context = Request();
        using var counts = new OutcomeCounter();

        OutgoingHeaderMapper.ApplyStreamHead(context, RequestTarget.Read(context).Path, plan.Narrow(CreateUser), plan, Metadata(("x-server-version", "v1.2.0")), NullLogger.Instance);

        Assert.Equal("v1.2.0", context.Response.Headers["X-Server-Version"]);
        Assert.Equal("1", context.Response.Headers["X-Api-Version"]);
        Assert.False(context.Response.Headers.ContainsKey("X-Checksum"));
        Assert.Equal(0, counts.Count("outgoing", "missing"));
        Assert.Equal(1, counts.Count("outgoing", "defaulted"));
    }

    [Fact]
    public void A_streams_trailers_are_http2_trailers_with_the_defaults_its_head_left_open()
    {
        var plan = Plan(
            new HeaderRuleOptions { HttpHeader = "X-Processing-Time", GrpcMetadata = "processing-time", Direction = "outgoing" },
            new HeaderRuleOptions { HttpHeader = "X-Checksum", GrpcMetadata = "checksum", Direction = "outgoing", Default = "none" },
            new HeaderRuleOptions { HttpHeader = "X-Region", GrpcMetadata = "region", Direction = "outgoing", Default = "unknown" },
            new HeaderRuleOptions { HttpHeader = "X-Late", GrpcMetadata = "late", Direction = "outgoing", Target = "header" });
        var context = Http2Request(teTrailers: true);
        using var counts = new OutcomeCounter();

        OutgoingHeaderMapper.ApplyStreamTrailers(
            context, RequestTarget.Read(context).Path, plan.Narrow(CreateUser), plan, Metadata(("region", "eu")), Metadata(("processing-time", "12ms"), ("late", "x")), NullLogger.Instance);

        var trailers = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()!.Trailers;
        Assert.Equal("12ms", trailers["X-Processing-Time"]);
        Assert.Equal("none", trailers["X-Checksum"]);
        Assert.False(trailers.ContainsKey("X-Region"));
        Assert.False(trailers.ContainsKey("X-Late"));
        Assert.False(context.Response.Headers.ContainsKey("X-Late"));
        Assert.Equal(1, counts.Count("outgoing", "rejected"));
    }

    [Fact]
    public void A_streams_trailers_are_dropped_for_clients_that_cannot_take_trailers()
    {
        var context = Request();

        var plan = Plan(GoldenRules);
        OutgoingHeaderMapper.ApplyStreamTrailers(context, RequestTarget.Read(context).Path, plan.Narrow(CreateUser), plan, Metadata(), Metadata(("processing-time", "12ms")), NullLogger.Instance);

        Assert.Empty(context.Response.Headers);
    }

    [Fact]
    public void Incoming_outcomes_are_counted_per_rule()
    {
        using var counts = new OutcomeCounter();
        var plan = Plan(
            new HeaderRuleOptions { HttpHeader = "X-A", GrpcMetadata = "a" },
            new HeaderRuleOptions { HttpHeader = "X-B", GrpcMetadata = "b", Default = "x" });

        MapIncoming(plan, Request(("X-A", "1")));

        Assert.Equal(1, counts.Count("incoming", "mapped"));
        Assert.Equal(1, counts.Count("incoming", "defaulted"));
    }

    private static int? Apply(HeaderMappingPlan plan, HttpContext context, GrpcMetadata headers, GrpcMetadata? trailers = null, bool succeeded = true)
    {
        Assert.Null(OutgoingHeaderMapper.Apply(context, RequestTarget.Read(context).Path, plan.Narrow(CreateUser), plan, headers, trailers ?? new GrpcMetadata(), succeeded, NullLogger.Instance, out var status));
        return status;
    }

    private static Problem? Apply(HeaderMappingPlan plan, HttpContext context, GrpcMetadata headers, out int? status) =>
        OutgoingHeaderMapper.Apply(context, RequestTarget.Read(context).Path, plan.Narrow(CreateUser), plan, headers, new GrpcMetadata(), succeeded: true, NullLogger.Instance, out status);

    /// <summary>Listens to the header rule counter on this thread's measurements only, so parallel tests do not mix in.</summary>
    private sealed class OutcomeCounter : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<(string Direction, string Outcome)> seen = [];
        private readonly int thread = Environment.CurrentManagedThreadId;

        public OutcomeCounter()
        {
            listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HeaderRuleCounters.MeterName && instrument.Name == HeaderRuleCounters.InstrumentName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                if (Environment.CurrentManagedThreadId != thread)
                {
                    return;
                }

                string? direction = null, outcome = null;
                foreach (var tag in tags)
                {
                    direction = tag.Key == "direction" ? tag.Value as string : direction;
                    outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
                }

                lock (seen)
                {
                    seen.Add((direction!, outcome!));
                }
            });
            listener.Start();
        }

        public int Count(string direction, string outcome)
        {
            lock (seen)
            {
                return seen.Count(s => s.Direction == direction && s.Outcome == outcome);
            }
        }

        public void Dispose() => listener.Dispose();
    }
}
