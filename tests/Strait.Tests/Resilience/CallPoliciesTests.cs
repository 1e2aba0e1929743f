using Microsoft.Extensions.Configuration;
using Strait.Resilience;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Tests.Resilience;

public sealed class CallPoliciesTests
{
    private static readonly RouteTable Routes = RoutingFixtures.TodoTable(new RouteTableOptions { GenerateMethodRoutes = true });

    [Fact]
    public void The_default_policy_retries_idempotent_calls_on_unavailable_three_times()
    {
        var policies = Build(new ResilienceOptions());

        var get = policies.For(Route("GetTodo"));
        Assert.Equal("default", get.Policy.Name);
        Assert.True(get.Idempotent);
        var retry = get.Policy.Retry!;
        Assert.Equal(3, retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(100), retry.InitialBackoff);
        Assert.True(retry.Retryable.Contains(GrpcStatusCode.Unavailable));
        Assert.False(retry.Retryable.Contains(GrpcStatusCode.ResourceExhausted));
        Assert.True(retry.PushbackOnly.Contains(GrpcStatusCode.ResourceExhausted));
        Assert.Null(get.Policy.Hedging);
        Assert.Null(get.Policy.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(5), get.Policy.MaxTimeout);
        Assert.Equal("X-Request-Timeout", policies.DeadlineHeader);
    }

    [Fact]
    public void Idempotency_follows_the_verb_and_the_proto_idempotency_level_unless_configured()
    {
        var policies = Build(new ResilienceOptions());
        Assert.True(policies.For(Route("ListTodos")).Idempotent);
        Assert.True(policies.For(Route("DeleteTodo")).Idempotent);
        Assert.False(policies.For(Route("CreateTodo")).Idempotent);
        Assert.False(policies.For(Route("UpdateTodo")).Idempotent);
        Assert.False(policies.For(Route("BatchCreateTodos")).Idempotent);
        // POST /strait.tests.routing.TodoService/Unannotated, declared NO_SIDE_EFFECTS in the proto.
        Assert.True(policies.For(Routes.Routes.Single(r => r.Method.Name == "Unannotated")).Idempotent);

        var configured = Build(new ResilienceOptions
        {
            Policies = { ["writes"] = new CallPolicyOptions { Routes = ["PATCH /v1/{todo.name=tasks/*}"], Idempotent = true } },
            Default = new CallPolicyOptions { Idempotent = false },
        });
        Assert.True(configured.For(Route("UpdateTodo")).Idempotent);
        Assert.False(configured.For(Route("GetTodo")).Idempotent);
    }

    [Fact]
    public void A_named_policy_overrides_only_what_it_sets_and_hedging_replaces_retries()
    {
        var policies = Build(new ResilienceOptions
        {
            Default = new CallPolicyOptions { Timeout = TimeSpan.FromSeconds(7), Retry = new RetryOptions { MaxAttempts = 4 } },
            Policies =
            {
                ["reads"] = new CallPolicyOptions { Methods = ["strait.tests.routing.TodoService.GetTodo"], Hedging = new HedgingOptions { Delay = TimeSpan.FromMilliseconds(20) } },
                ["lists"] = new CallPolicyOptions { Services = ["strait.tests.routing.TodoService"], MaxTimeout = TimeSpan.FromSeconds(30) },
            },
        });

        var get = policies.For(Route("GetTodo")).Policy;
        Assert.Equal("reads", get.Name);
        Assert.Null(get.Retry);
        Assert.Equal(TimeSpan.FromMilliseconds(20), get.Hedging!.Delay);
        Assert.Equal(TimeSpan.FromSeconds(7), get.Timeout);

        var list = policies.For(Route("ListTodos")).Policy;
        Assert.Equal("lists", list.Name);
        Assert.Equal(4, list.Retry!.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), list.MaxTimeout);
    }

    [Fact]
    public void Policy_mistakes_are_configuration_errors_with_their_keys()
    {
        var errors = new List<string>();
        var options = new ResilienceOptions
        {
            DeadlineHeader = "Bad Header",
            Default = new CallPolicyOptions { Services = ["strait.tests.routing.TodoService"] },
            Policies =
            {
                ["both"] = new CallPolicyOptions { Routes = ["GET /v1/tasks"], Retry = new RetryOptions(), Hedging = new HedgingOptions() },
                ["bad"] = new CallPolicyOptions
                {
                    Methods = ["strait.tests.routing.TodoService.Nope"],
                    Timeout = TimeSpan.FromMinutes(10),
                    Retry = new RetryOptions { MaxAttempts = 9, BackoffMultiplier = 0.5, RetryableStatusCodes = ["NOT_FOUND", "SLOW"] },
                },
                ["empty"] = new CallPolicyOptions(),
            },
        };

        Assert.Null(CallPolicies.TryBuild(options, Routes, errors));
        Assert.Contains("resilience.deadlineHeader: 'Bad Header' is not a header name", errors);
        Assert.Contains(errors, e => e.StartsWith("resilience.default: the default policy applies to every route", StringComparison.Ordinal));
        Assert.Contains("resilience.policies.both.hedging: a policy either retries or hedges (gRPC A6); remove retry or hedging", errors);
        Assert.Contains(errors, e => e.StartsWith("resilience.policies.bad.methods[0]: 'strait.tests.routing.TodoService.Nope' names no method", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("resilience.policies.bad.timeout: is longer than maxTimeout", StringComparison.Ordinal));
        Assert.Contains("resilience.policies.bad.retry.maxAttempts: must be between 2 and 5 (it is 9)", errors);
        Assert.Contains(errors, e => e.StartsWith("resilience.policies.bad.retry.backoffMultiplier:", StringComparison.Ordinal));
        Assert.Contains("resilience.policies.bad.retry.retryableStatusCodes[1]: 'SLOW' is not a gRPC error code name such as UNAVAILABLE", errors);
        Assert.Contains(errors, e => e.StartsWith("resilience.policies.bad.retry.retryableStatusCodes: NOT_FOUND describe the request", StringComparison.Ordinal));
        Assert.Contains("resilience.policies.empty: applies to nothing: give services, methods or routes", errors);
    }

    [Fact]
    public void Configured_code_lists_replace_the_defaults_rather_than_adding_to_them()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["default:retry:retryableStatusCodes:0"] = "INTERNAL",
        }).Build();
        var options = new ResilienceOptions();
        configuration.Bind(options);

        var retry = Build(options).For(Route("GetTodo")).Policy.Retry!;

        Assert.True(retry.Retryable.Contains(GrpcStatusCode.Internal));
        Assert.False(retry.Retryable.Contains(GrpcStatusCode.Unavailable));
    }

    [Theory]
    [InlineData(1, 0.5, 50)]
    [InlineData(2, 0.5, 100)]
    [InlineData(3, 0.5, 200)]
    [InlineData(9, 0.5, 500)]
    [InlineData(2, 0.0, 0)]
    public void Backoff_is_full_jitter_under_the_capped_exponential(int retry, double uniform, int expectedMilliseconds)
    {
        var policy = new RetryPolicy(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 2, GrpcStatusCodeSet.Empty, GrpcStatusCodeSet.Empty, null);
        Assert.Equal(expectedMilliseconds, policy.Backoff(retry, uniform).TotalMilliseconds, 0);
    }

    private static CallPolicies Build(ResilienceOptions options)
    {
        var errors = new List<string>();
        var policies = CallPolicies.TryBuild(options, Routes, errors);
        Assert.True(policies is not null, string.Join("; ", errors));
        return policies;
    }

    private static HttpRoute Route(string method) => Routes.Routes.First(r => r.Method.Name == method && r.Source != RouteSource.Generated);
}
