using System.Net;
using System.Net.Http.Json;
using Google.Rpc;
using Strait.Samples.TaskService;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Retries, the retry budget, hedging and the cluster's concurrency caps, against in-process TaskService replicas that
/// fail on demand and count the calls that reach them.
/// </summary>
public sealed class RetryTests
{
    [Fact]
    public async Task Gets_succeed_despite_a_failing_replica_with_no_client_errors()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(3);
        replicas[0].FailEveryCall(Code.Unavailable);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: round_robin
              outlierDetection:
                enabled: false
            """);

        var tally = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 2, calls: 60);

        Assert.Empty(tally.Failures);
        Assert.Equal(0, tally.Count("r0"));
        Assert.Equal(60, tally.Count("r1") + tally.Count("r2"));
        var (started, succeeded) = replicas[0].Calls;
        Assert.InRange(started, 10, 40);
        Assert.Equal(0, succeeded);
    }

    [Fact]
    public async Task Native_grpc_unary_calls_of_an_idempotent_method_are_retried_past_a_failing_replica()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(2);
        replicas[0].FailEveryCall(Code.Unavailable);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            http2Listen: http://127.0.0.1:0
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: round_robin
              outlierDetection:
                enabled: false
            resilience:
              policies:
                reads:
                  methods: ["todo.v1.TaskService.ListTasks"]
                  idempotent: true
            """);
        using var client = new Strait.Wire.GrpcClient(gateway.Http2Address!);

        for (var i = 0; i < 20; i++)
        {
            using var result = await client.InvokeUnaryAsync("/todo.v1.TaskService/ListTasks", Array.Empty<byte>(), deadlineUtc: DateTime.UtcNow.AddSeconds(10));
            Assert.Equal(Strait.Wire.GrpcStatusCode.Ok, result.Status.Code);
            Assert.Equal("r1", result.ResponseHeaders.GetValues("x-replica-id").Single());
        }

        var (started, succeeded) = replicas[0].Calls;
        Assert.InRange(started, 1, 20);
        Assert.Equal(0, succeeded);
    }

    [Fact]
    public async Task A_post_without_an_idempotency_key_is_never_retried()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(2);
        replicas[0].FailEveryCall(Code.Unavailable);
        replicas[1].FailEveryCall(Code.Unavailable);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
            """);

        using var response = await gateway.Http.PostAsJsonAsync("/v1/tasks", new { task = new { title = "once" } });

        (await JsonReply.ReadAsync(response)).AssertProblem(503, "UNAVAILABLE");
        var calls = replicas.Calls;
        Assert.Equal(1, calls.Started);
    }

    [Fact]
    public async Task A_post_with_an_idempotency_key_is_retried_and_executed_once()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(2);
        replicas[0].FailEveryCall(Code.Unavailable);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: pick_first
            """);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tasks") { Content = JsonContent.Create(new { task = new { title = "keyed" } }) };
        request.Headers.Add("Idempotency-Key", "key-1");
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r1", response.Headers.GetValues("X-Replica-Id").Single());
        Assert.Equal((1, 0), replicas[0].Calls);
        Assert.Equal((1, 1), replicas[1].Calls);
    }

    [Fact]
    public async Task Codes_that_describe_the_request_are_not_retried_and_attempts_stop_at_max_attempts()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(3);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              outlierDetection:
                enabled: false
            """);

        using var notFound = await gateway.Http.GetAsync("/v1/tasks/does-not-exist");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(1, replicas.Calls.Started);

        foreach (var replica in replicas.Replicas)
        {
            replica.FailEveryCall(Code.Unavailable);
        }

        using var unavailable = await gateway.Http.GetAsync("/v1/tasks");
        (await JsonReply.ReadAsync(unavailable)).AssertProblem(503, "UNAVAILABLE");
        Assert.Equal(1 + 3, replicas.Calls.Started);
    }

    [Fact]
    public async Task The_retry_budget_caps_amplification_in_a_storm_and_latency_recovers_after_it()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(5);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              outlierDetection:
                consecutiveErrors: 5
                baseEjectionTime: 00:00:01
              retryBudget:
                ratio: 0.2
                minRetriesPerSecond: 0
                window: 00:00:01
            resilience:
              default:
                retry:
                  maxAttempts: 5
                  initialBackoff: 00:00:00.001
                  maxBackoff: 00:00:00.005
            """);
        var warmup = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 4, calls: 200);
        Assert.Empty(warmup.Failures);
        var beforeStorm = replicas.Calls.Started;

        // One replica fails everything: its share is retried within the budget, and clients see next to nothing.
        replicas[0].FailEveryCall(Code.Unavailable);
        var oneDown = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 4, calls: 500);
        var oneDownAttempts = replicas.Calls.Started - beforeStorm;
        Assert.InRange(oneDownAttempts, 500, 600);
        Assert.True(oneDown.Failures.Count <= 10, $"one failing replica of five cost {oneDown.Failures.Count} client errors");

        // Every replica fails: without a budget five attempts per call would reach them; the budget allows 0.2 more.
        foreach (var replica in replicas.Replicas)
        {
            replica.FailEveryCall(Code.Unavailable);
        }

        // Deposits of the calls before count for one window (1 s here): let them expire so the bound below is this phase's alone.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        var beforeAllDown = replicas.Calls.Started;
        var allDown = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 4, calls: 500);
        var allDownAttempts = replicas.Calls.Started - beforeAllDown;
        Assert.Equal(500, allDown.Failures.Count);
        Assert.InRange(allDownAttempts, 500, 500 * 1.2 + 2);
        var clusters = await gateway.GetClustersAsync();
        var endpoints = clusters.GetProperty("clusters")[0].GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Contains(endpoints, e => e.GetProperty("state").GetString() == "ejected");
        var resilience = clusters.GetProperty("clusters")[0].GetProperty("resilience");
        Assert.True(resilience.GetProperty("retryBudgetExhausted").GetInt64() > 400, resilience.ToString());

        // Healed: within a few ejection times every call succeeds again at normal speed.
        foreach (var replica in replicas.Replicas)
        {
            replica.FailEveryCall(null);
        }

        var recovered = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var probe = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 2, calls: 50);
            if (probe.Failures.Count == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < recovered, $"still failing 10 s after the replicas healed: {probe}");
            await Task.Delay(200);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var after = await LoadBalancingGateway.SendAsync(gateway.Address, clients: 1, calls: 20);
        Assert.Empty(after.Failures);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"20 calls took {clock.Elapsed} after recovery");
    }

    [Fact]
    public async Task Hedging_answers_from_the_fast_replica_and_cancels_the_slow_attempt()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(2, i => i == 0 ? new FaultInjection { Latency = TimeSpan.FromMilliseconds(2000) } : null);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: pick_first
            resilience:
              default:
                hedging:
                  maxAttempts: 2
                  delay: 00:00:00.050
            """);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await gateway.Http.GetAsync("/v1/tasks");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r1", response.Headers.GetValues("X-Replica-Id").Single());
        // The slow replica answers in 2 s; the bound leaves room for the cold gateway's first call (JIT, two new
        // connections) on a loaded machine, where 1 s was once exceeded.
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(1500), $"the hedged call took {clock.Elapsed}");
        // Output lines can arrive after the reply: wait for them rather than read what has come so far.
        var hedge = await replicas[1].WaitForLineAsync(l => l.StartsWith("CALL ListTasks", StringComparison.Ordinal));
        Assert.Contains("attempt=1", hedge, StringComparison.Ordinal);

        // The slow attempt was reset: it never completes (it answers in 2 s if left alone). A reset that arrives
        // before the handler has read its request message leaves no CALL line at all.
        await Task.Delay(TimeSpan.FromMilliseconds(2500));
        Assert.DoesNotContain(replicas[0].Lines("END "), l => l.Contains(" OK ", StringComparison.Ordinal));
        Assert.Equal(replicas[0].Lines("CALL ").Count, replicas[0].Lines("END ListTasks CANCELLED").Count);

        // A POST is not hedged, not even with an Idempotency-Key (two attempts must not run at once): it waits for
        // the slow replica.
        using var create = await gateway.Http.PostAsJsonAsync("/v1/tasks", new { task = new { title = "not hedged" } });
        Assert.Equal("r0", create.Headers.GetValues("X-Replica-Id").Single());
        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/v1/tasks") { Content = JsonContent.Create(new { task = new { title = "keyed, not hedged" } }) };
        keyed.Headers.Add("Idempotency-Key", "hedge-1");
        using var keyedCreate = await gateway.Http.SendAsync(keyed);
        Assert.Equal("r0", keyedCreate.Headers.GetValues("X-Replica-Id").Single());
        await replicas[0].WaitForLineAsync(l => l.StartsWith("CALL CreateTask", StringComparison.Ordinal) && l.Contains("idempotency-key=hedge-1", StringComparison.Ordinal));
        Assert.Single(replicas[1].Lines("CALL "));
    }

    [Fact]
    public async Task The_concurrency_cap_admits_exactly_max_requests_plus_max_pending_and_refuses_the_rest_with_retry_after()
    {
        await using var backend = await TaskServiceReplica.StartAsync(faults: new FaultInjection { Latency = TimeSpan.FromMilliseconds(600) });
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: ["{backend.Address}"]
              circuitBreaker:
                maxRequests: 2
                maxPending: 1
                maxPendingWait: 00:00:02
            """);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 10 }) { BaseAddress = gateway.Address };
        // Warm: a cold gateway could stagger the six requests by more than the backend's 600 ms.
        using (var warm = await http.GetAsync("/v1/tasks"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.GetAsync("/v1/tasks")));

        Assert.Equal(3, replies.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = replies.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(3, refused.Count);
        foreach (var reply in refused)
        {
            var problem = (await JsonReply.ReadAsync(reply)).AssertProblem(503, "UNAVAILABLE");
            Assert.Equal("urn:strait:problem:upstream-overloaded", problem.Text("type"));
            Assert.Equal("1", reply.Headers.GetValues("Retry-After").Single());
        }

        Assert.Equal(1 + 3, backend.Calls.Started);
        var resilience = (await gateway.GetClustersAsync()).GetProperty("clusters")[0].GetProperty("resilience");
        Assert.Equal(3, resilience.GetProperty("callsRefusedAtMaxRequests").GetInt64());
        foreach (var reply in replies)
        {
            reply.Dispose();
        }
    }
}
