using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace Strait.Tests.EndToEnd.Fuzz;

/// <summary>
/// Random mutations of valid requests on every edge (REST unary and streaming over HTTP/1.1 and HTTP/2, grpc-web binary
/// and text, native gRPC, WebSocket) against the gateway in front of @grpc/grpc-js. Every complete request is answered,
/// no answer is a 5xx of the gateway's own making, and the log holds no stack trace and nothing at error level. A fixed
/// seed runs in CI; <c>EDGE_FUZZ=long</c> runs 20,000 cases (or <c>EDGE_FUZZ_CASES</c>) from <c>EDGE_FUZZ_SEED</c>;
/// <c>EDGE_FUZZ_REPORT</c> names a file for the counts, <c>EDGE_FUZZ_LOG</c> one for the gateway's log (not
/// <c>STRAIT_*</c>: the gateway, which inherits the environment, would read those as configuration). It runs alone:
/// its load would stretch the timing bounds of the parallel tests.
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class EdgeFuzzTests : IAsyncLifetime
{
    private const int CiCases = 1500;
    private const int LongCases = 20_000;
    private const int Workers = 6;
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(60);
    private readonly ITestOutputHelper output;
    private BackendBehindGateway stack = null!;

    public EdgeFuzzTests(ITestOutputHelper output) => this.output = output;

    public async Task InitializeAsync() => stack = await BackendBehindGateway.StartNodeEchoAsync("""
            headers:
              rules:
                - { httpHeader: X-User-Role, grpcMetadata: user-role, default: guest, transforms: [trim, lower] }
                - { httpHeader: Last-Event-ID, grpcMetadata: last-event-id }
            resilience:
              default:
                timeout: 00:00:05
                maxTimeout: 00:00:05
            """);

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task Every_seed_request_succeeds_unmutated()
    {
        using var h2 = Http2Client();
        foreach (var seed in FuzzSeeds.All)
        {
            var outcome = await SendAsync(h2, seed);
            Assert.True(outcome.Status is 200 or 101 && outcome.Violation is null, $"{seed.Edge} seed answered {outcome.Kind}: {seed.Describe()}");
        }
    }

    [Fact]
    public async Task Mutated_requests_on_every_edge_are_answered_without_a_gateway_fault_or_a_stack_trace()
    {
        var longMode = Environment.GetEnvironmentVariable("EDGE_FUZZ") == "long";
        var cases = int.TryParse(Environment.GetEnvironmentVariable("EDGE_FUZZ_CASES"), CultureInfo.InvariantCulture, out var n) ? n : longMode ? LongCases : CiCases;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("EDGE_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 19;
        using var h2 = Http2Client();
        var outcomes = new ConcurrentBag<(int Case, string Edge, FuzzOutcome Outcome, FuzzRequest Request)>();
        var next = -1;
        var started = DateTime.UtcNow;

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < cases; i = Interlocked.Increment(ref next))
            {
                var random = new Random(unchecked((seed * 1_000_003) + i));
                var request = FuzzMutator.Mutate(FuzzSeeds.All[random.Next(FuzzSeeds.All.Count)], random);
                outcomes.Add((i, request.Edge, await WatchAsync(SendAsync(h2, request)), request));
            }
        })));

        var elapsed = DateTime.UtcNow - started;
        var violations = outcomes.Where(o => o.Outcome.Violation is not null).OrderBy(o => o.Case).ToList();
        var logFaults = stack.Gateway.Output.Split('\n').Where(IsLogFault).ToList();
        using var stillServing = await stack.Gateway.SendJsonAsync(HttpMethod.Post, "/v1/echo", """{"id":"after"}""");
        var report = Report(seed, cases, elapsed, outcomes, violations.Count, logFaults.Count);
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("EDGE_FUZZ_REPORT") is { Length: > 0 } reportFile)
        {
            await File.WriteAllTextAsync(reportFile, report);
        }

        if (Environment.GetEnvironmentVariable("EDGE_FUZZ_LOG") is { Length: > 0 } logFile)
        {
            await File.WriteAllTextAsync(logFile, stack.Gateway.Output);
        }

        var failures = new StringBuilder();
        foreach (var (index, edge, outcome, request) in violations.Take(10))
        {
            failures.Append(CultureInfo.InvariantCulture, $"\n--- case {index} (seed {seed}, {edge}): {outcome.Violation} [{outcome.Kind}]\n{request.Describe()}\n");
        }

        foreach (var line in logFaults.Take(10))
        {
            failures.Append(CultureInfo.InvariantCulture, $"\n--- log: {(line.Length > 600 ? line[..600] + "…" : line)}\n");
        }

        Assert.True(violations.Count == 0 && logFaults.Count == 0, $"{violations.Count} violations, {logFaults.Count} log faults:{failures}\n{report}");
        Assert.Equal(HttpStatusCode.OK, stillServing.StatusCode);
    }

    // Every exchange bounds itself; this turns one that does not, or a fault of the fuzz client, into a violation naming
    // the case instead of a stalled or shrunken run.
    private static async Task<FuzzOutcome> WatchAsync(Task<FuzzOutcome> exchange)
    {
        try
        {
            return await exchange.WaitAsync(CaseLimit);
        }
        catch (TimeoutException)
        {
            return new FuzzOutcome("stalled", null, $"the exchange did not end within {CaseLimit.TotalSeconds:F0} s");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault of the harness itself still names its case, and the other workers go on.
            return new FuzzOutcome("harness fault", null, $"the fuzz client failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<FuzzOutcome> SendAsync(HttpClient h2, FuzzRequest request) => request.Transport == FuzzTransport.Http1
        ? await FuzzExchange.SendHttp1Async(new IPEndPoint(IPAddress.Loopback, stack.Gateway.Address.Port), request)
        : await FuzzExchange.SendHttp2Async(h2, request);

    private HttpClient Http2Client() => new(new SocketsHttpHandler { MaxConnectionsPerServer = Workers })
    {
        BaseAddress = stack.Gateway.Http2Address,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    // A stack trace survives the one-line log format as "   at "; error and critical entries are the gateway's alarms.
    private static bool IsLogFault(string line) =>
        line.Contains("   at ", StringComparison.Ordinal) || line.Contains("Z fail: ", StringComparison.Ordinal) || line.Contains("Z crit: ", StringComparison.Ordinal);

    private static string Report(int seed, int cases, TimeSpan elapsed, IEnumerable<(int Case, string Edge, FuzzOutcome Outcome, FuzzRequest Request)> outcomes, int violations, int logFaults)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"fuzz: seed {seed}, {cases} cases in {elapsed.TotalSeconds:F0} s, {violations} violations, {logFaults} log faults\n");
        foreach (var edge in outcomes.GroupBy(o => o.Edge).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var classes = edge.GroupBy(o => o.Outcome.Status is { } status ? $"{status / 100}xx" : o.Outcome.Kind)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Count()}");
            text.Append(CultureInfo.InvariantCulture, $"  {edge.Key}: {edge.Count()} ({string.Join(", ", classes)})\n");
        }

        var serverErrors = outcomes.Where(o => o.Outcome.Status >= 500).GroupBy(o => o.Outcome.Kind).OrderByDescending(g => g.Count());
        foreach (var kind in serverErrors)
        {
            text.Append(CultureInfo.InvariantCulture, $"  5xx {kind.Key}: {kind.Count()}\n");
        }

        return text.ToString();
    }
}
