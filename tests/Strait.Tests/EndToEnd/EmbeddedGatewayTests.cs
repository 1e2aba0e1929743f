using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Strait.Samples.TaskService;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// samples/EmbeddedGateway as an embedder would ship it: a program of its own that starts Strait through the public
/// <c>StraitGateway</c> facade alone, with its own header transform (<c>sha256</c>) and idempotency store (answers kept
/// in a directory), in front of an in-process TaskService, configured by the sample's own <c>strait.yaml</c>.
/// </summary>
public sealed class EmbeddedGatewayTests : IDisposable
{
    private const string ReadyPrefix = "embedded-gateway: serving on ";
    private const string UserId = "alice@example.com";
    private static readonly string Config = Path.Combine(RepositoryPaths.Root, "samples", "EmbeddedGateway", "strait.yaml");
    private readonly DirectoryInfo answers = Directory.CreateTempSubdirectory("strait-embedded-answers-");

    public void Dispose() => answers.Delete(recursive: true);

    [Fact]
    public async Task The_sample_sends_the_user_id_hashed_and_replays_a_keyed_create_even_after_a_restart()
    {
        await using var backend = await TaskServiceReplica.StartAsync();
        string firstBody;
        await using (var gateway = await SampleProcess.StartAsync(backend, answers))
        {
            using var first = await gateway.Http.SendAsync(KeyedCreate());
            firstBody = await first.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);

            // The demo backend takes the bearer token as the creator's name: what it recorded is what it received.
            var name = JsonDocument.Parse(firstBody).RootElement.GetProperty("name").GetString();
            var stored = await backend.Service.GetTaskAsync(new global::Todo.V1.GetTaskRequest { Name = name }, CallerInfo.Anonymous);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(UserId))), stored.CreatedBy);

            // Replayed by the same process, which waits for the first answer to be stored if it is not yet.
            using var repeat = await gateway.Http.SendAsync(KeyedCreate());
            Assert.Equal(firstBody, await repeat.Content.ReadAsStringAsync());
        }

        // A new process: only a store that outlives the first one (the sample's directory) can replay the answer.
        await using (var restarted = await SampleProcess.StartAsync(backend, answers))
        {
            using var afterRestart = await restarted.Http.SendAsync(KeyedCreate());
            Assert.Equal(firstBody, await afterRestart.Content.ReadAsStringAsync());
            Assert.Equal("true", afterRestart.Headers.GetValues("Idempotent-Replayed").Single());
        }

        Assert.Single(backend.Lines("CALL CreateTask"));
    }

    private static HttpRequestMessage KeyedCreate() => new(HttpMethod.Post, "/v1/tasks")
    {
        Content = new StringContent("""{"task":{"title":"File the expense report"}}""", Encoding.UTF8, "application/json"),
        Headers = { { "X-User-Id", UserId }, { "Idempotency-Key", "expense-report-1" } },
    };

    /// <summary>The sample's built program as a child process, on a loopback port it picks itself.</summary>
    private sealed class SampleProcess : IAsyncDisposable
    {
        private readonly ChildProcess process;

        private SampleProcess(ChildProcess process, Uri address)
        {
            this.process = process;
            Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        }

        public HttpClient Http { get; }

        public static async Task<SampleProcess> StartAsync(TaskServiceReplica backend, DirectoryInfo answers)
        {
            var process = ChildProcess.Start("dotnet", [RepositoryPaths.EmbeddedGatewayDll, Config, answers.FullName, "Listen=http://127.0.0.1:0", "Backend:Addresses:0=" + backend.Address]);
            try
            {
                var ready = await process.WaitForLineAsync(line => line.StartsWith(ReadyPrefix, StringComparison.Ordinal));
                return new SampleProcess(process, new Uri(ready[ReadyPrefix.Length..].Split(',')[0].Trim()));
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await process.DisposeAsync();
        }
    }
}
