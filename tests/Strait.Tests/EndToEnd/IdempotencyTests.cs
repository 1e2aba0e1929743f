using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Rpc;
using Strait.Samples.TaskService;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Idempotency-Key replay: a keyed create runs once however often it is sent, through one in-process gateway with the
/// in-memory store, or through two gateway processes sharing PostgreSQL.
/// </summary>
public sealed class IdempotencyTests
{
    private const string Replay = """
        resilience:
          policies:
            creates:
              routes: ["POST /v1/tasks"]
              idempotency:
                ttl: 01:00:00
                waitForInFlight: 00:00:05
        """;

    [Fact]
    public async Task A_keyed_post_is_retried_executed_once_and_replayed_and_its_key_cannot_be_reused_for_another_body()
    {
        await using var replicas = await TaskServiceReplicaSet.StartAsync(2);
        replicas[0].FailEveryCall(Code.Unavailable);
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: {LoadBalancingGateway.List(replicas.Addresses)}
              lbPolicy: pick_first
            {Replay}
            """);

        using var first = await gateway.Http.SendAsync(Create("key-1", "write the report"));
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        using var repeat = await gateway.Http.SendAsync(Create("key-1", "write the report"));
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstBody, await repeat.Content.ReadAsStringAsync());
        Assert.Equal("r1", repeat.Headers.GetValues("X-Replica-Id").Single());

        using var reused = await gateway.Http.SendAsync(Create("key-1", "something else"));
        var problem = (await JsonReply.ReadAsync(reused)).AssertProblem(422, "FAILED_PRECONDITION");
        Assert.Equal("urn:strait:problem:idempotency-key-reused", problem.Text("type"));

        using var other = await gateway.Http.SendAsync(Create("key-2", "read the report"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.NotEqual(TaskName(firstBody), TaskName(await other.Content.ReadAsStringAsync()));

        // A final error is stored and replayed too, body and all.
        replicas[0].FailEveryCall(null);
        using var invalid = await gateway.Http.SendAsync(Create("key-3", ""));
        var invalidBody = await invalid.Content.ReadAsStringAsync();
        using var invalidAgain = await gateway.Http.SendAsync(Create("key-3", ""));
        Assert.Equal(HttpStatusCode.BadRequest, invalidAgain.StatusCode);
        Assert.Equal("true", invalidAgain.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal("application/problem+json", invalidAgain.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":400", invalidBody, StringComparison.Ordinal);
        Assert.Equal(invalidBody, await invalidAgain.Content.ReadAsStringAsync());

        // r0 (picked first) failed the first attempt of key-1 and key-2 and answered key-3's one attempt; r1 executed
        // key-1 once and key-2 once.
        Assert.Equal((3, 0), replicas[0].Calls);
        Assert.Equal((2, 2), replicas[1].Calls);
    }

    [Fact]
    public async Task A_concurrent_duplicate_waits_for_the_first_and_gets_its_answer_or_409_after_the_wait()
    {
        await using var backend = await TaskServiceReplica.StartAsync(faults: new FaultInjection { Latency = TimeSpan.FromMilliseconds(800) });
        await using var patient = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: ["{backend.Address}"]
            {Replay}
            """);
        await using var impatient = await LoadBalancingGateway.StartInProcessAsync($"""
            backend:
              addresses: ["{backend.Address}"]
            {Replay.Replace("00:00:05", "00:00:00.200", StringComparison.Ordinal)}
            """);

        // Warm both gateways first: a cold one can take longer to reach its store than the 150 ms head start.
        foreach (var gateway in new[] { patient, impatient })
        {
            using var warm = await gateway.Http.GetAsync("/v1/tasks");
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var both = await Task.WhenAll(patient.Http.SendAsync(Create("dup", "once")), DelayedAsync(patient, Create("dup", "once")));
        Assert.All(both, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(await both[0].Content.ReadAsStringAsync(), await both[1].Content.ReadAsStringAsync());
        Assert.Single(both, r => r.Headers.Contains("Idempotent-Replayed"));

        var raced = await Task.WhenAll(impatient.Http.SendAsync(Create("dup2", "twice")), DelayedAsync(impatient, Create("dup2", "twice")));
        Assert.Single(raced, r => r.StatusCode == HttpStatusCode.OK);
        var conflict = (await JsonReply.ReadAsync(raced.Single(r => r.StatusCode != HttpStatusCode.OK))).AssertProblem(409, "ABORTED");
        Assert.Equal("urn:strait:problem:idempotency-key-in-use", conflict.Text("type"));

        // Two warm-up lists and one execution of each key.
        Assert.Equal((4, 4), backend.Calls);
        foreach (var response in both.Concat(raced))
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Two_gateways_sharing_postgres_execute_a_keyed_request_once()
    {
        await using var postgres = await PostgresProcess.StartAsync();
        await using var backend = await BackendProcess.StartTaskServiceAsync("--latency-ms", "300");
        var config = $"""
            backend:
              addresses: ["{backend.Address}"]
            {Replay}
              idempotencyStore:
                kind: postgres
                connectionString: "{postgres.ConnectionString}"
            """;
        await using var a = await LoadBalancingGateway.StartAsync(config);
        await using var b = await LoadBalancingGateway.StartAsync(config);

        // In turn: the second gateway replays what the first stored.
        using var viaA = await a.Http.SendAsync(Create("shared-1", "replicated"));
        using var viaB = await b.Http.SendAsync(Create("shared-1", "replicated"));
        Assert.Equal(HttpStatusCode.OK, viaA.StatusCode);
        Assert.Equal("true", viaB.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await viaA.Content.ReadAsStringAsync(), await viaB.Content.ReadAsStringAsync());

        // At once, ten times through both: one execution, ten identical answers.
        var sends = Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? a : b).Http.SendAsync(Create("shared-2", "raced")));
        var answers = await Task.WhenAll(sends);
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single((await Task.WhenAll(answers.Select(r => r.Content.ReadAsStringAsync()))).Distinct());
        Assert.Equal(9, answers.Count(r => r.Headers.Contains("Idempotent-Replayed")));

        Assert.Equal((2, 2), await backend.GetCallsAsync());
        foreach (var response in answers)
        {
            response.Dispose();
        }
    }

    private static async Task<HttpResponseMessage> DelayedAsync(InProcessGateway gateway, HttpRequestMessage request)
    {
        await Task.Delay(150);
        return await gateway.Http.SendAsync(request);
    }

    private static HttpRequestMessage Create(string key, string title)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tasks") { Content = JsonContent.Create(new { task = new { title } }) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static string TaskName(string json) => JsonDocument.Parse(json).RootElement.GetProperty("name").GetString()!;
}
