using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Strait.Tests.EndToEnd;

/// <summary>Edge rate limits: exact admitted counts per key, 429 problems with Retry-After and RateLimit headers.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Limits_admit_exactly_their_permits_per_key_and_answer_429_with_retry_after()
    {
        await using var backend = await TaskServiceReplica.StartAsync();
        await using var gateway = await LoadBalancingGateway.StartInProcessAsync($$"""
            backend:
              addresses: ["{{backend.Address}}"]
            rateLimits:
              everyone:
                key: global
                algorithm: fixed_window
                limit: 5
                window: 00:01:00
                routes: ["GET /v1/tasks"]
              perApiKey:
                key: header:X-Api-Key
                limit: 3
                window: 00:01:00
                routes: ["GET /v1/{name=tasks/*}"]
              perUser:
                key: jwt:sub
                algorithm: sliding_window
                limit: 2
                window: 00:01:00
                routes: ["POST /v1/tasks"]
            """);

        // Global: five of eight, the remaining count going down on each.
        var remaining = new List<string>();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await gateway.Http.GetAsync("/v1/tasks");
            statuses.Add(response.StatusCode);
            remaining.Add(response.Headers.GetValues("RateLimit-Remaining").Single());
            Assert.Equal("5", response.Headers.GetValues("RateLimit-Limit").Single());
            Assert.Equal("5", response.Headers.GetValues("X-RateLimit-Limit").Single());
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var problem = (await JsonReply.ReadAsync(response)).AssertProblem(429, "RESOURCE_EXHAUSTED");
                Assert.Equal("urn:strait:problem:rate-limited", problem.Text("type"));
                Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], statuses);
        Assert.Equal(["4", "3", "2", "1", "0", "0", "0", "0"], remaining);

        // Per API key: each key has its own three; requests without a key share their address's three.
        Assert.Equal(3, await AdmittedAsync(gateway, 5, () => Get("/v1/tasks/abc", ("X-Api-Key", "alpha"))));
        Assert.Equal(3, await AdmittedAsync(gateway, 4, () => Get("/v1/tasks/abc", ("X-Api-Key", "beta"))));
        Assert.Equal(3, await AdmittedAsync(gateway, 4, () => Get("/v1/tasks/abc")));

        // Per JWT subject: two each for alice and bob.
        Assert.Equal(2, await AdmittedAsync(gateway, 3, () => Post(Token("alice"))));
        Assert.Equal(2, await AdmittedAsync(gateway, 3, () => Post(Token("bob"))));

        // Nothing over a limit reached the backend: 5 lists, 9 gets, 4 creates.
        Assert.Equal(5 + 9 + 4, backend.Calls.Started);
    }

    private static async Task<int> AdmittedAsync(InProcessGateway gateway, int requests, Func<HttpRequestMessage> request)
    {
        var admitted = 0;
        for (var i = 0; i < requests; i++)
        {
            using var message = request();
            using var response = await gateway.Http.SendAsync(message);
            admitted += response.StatusCode == HttpStatusCode.TooManyRequests ? 0 : 1;
        }

        return admitted;
    }

    private static HttpRequestMessage Get(string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    private static HttpRequestMessage Post(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tasks") { Content = JsonContent.Create(new { task = new { title = "limited" } }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static string Token(string subject)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return Part("""{"alg":"none"}""") + "." + Part($$"""{"iss":"test","sub":"{{subject}}"}""") + ".";
    }
}
