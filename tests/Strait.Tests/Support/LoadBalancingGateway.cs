using System.Net;

namespace Strait.Tests.Support;

/// <summary>
/// A gateway started from a YAML configuration the test writes, with the admin listener on, the todo and echo
/// schemas loaded, and <c>x-replica-id</c> mapped to the <c>X-Replica-Id</c> response header: as a process of its own
/// or inside the test process.
/// </summary>
internal static class LoadBalancingGateway
{
    private static readonly string TodoProtos = Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos");
    private static readonly string EchoProtos = Path.Combine(RepositoryPaths.NodeEcho, "protos");

    /// <summary>`strait serve --config`, the schema compiled from the proto files.</summary>
    /// <param name="upstream">YAML for the <c>backend:</c> and <c>clusters:</c> sections.</param>
    public static async Task<GatewayProcess> StartAsync(string upstream)
    {
        var directory = Directory.CreateTempSubdirectory("strait-lb-");
        var config = Path.Combine(directory.FullName, "strait.yaml");
        await File.WriteAllTextAsync(config, Configuration($"""
            protos: ["{Path.Combine(TodoProtos, "todo.proto")}", "{Path.Combine(EchoProtos, "echo.proto")}"]
            protoPaths: ["{TodoProtos}", "{EchoProtos}"]
            """, upstream));
        try
        {
            return await GatewayProcess.StartAsync("--config", config);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The same gateway in the test process, the schema read from descriptor sets.</summary>
    /// <param name="upstream">YAML for the <c>backend:</c> and <c>clusters:</c> sections.</param>
    public static Task<InProcessGateway> StartInProcessAsync(string upstream) =>
        InProcessGateway.StartAsync(Configuration($"""descriptorSets: ["{TestSchemas.Todo}", "{TestSchemas.Echo}"]""", upstream));

    /// <summary>YAML list items of the addresses, for the flow style <c>[a, b]</c>.</summary>
    public static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => "\"" + i + "\"")) + "]";

    /// <summary>An HTTP client that sends every request over one HTTP/1.1 connection, one at a time.</summary>
    public static HttpClient SingleConnectionClient(Uri address) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends <paramref name="calls"/> requests from <paramref name="clients"/> concurrent clients; counts replies per replica id.</summary>
    public static async Task<CallTally> SendAsync(Uri address, int clients, int calls, string path = "/v1/tasks", Func<int, HttpRequestMessage>? request = null)
    {
        var tally = new CallTally();
        var next = -1;
        var workers = Enumerable.Range(0, clients).Select(async _ =>
        {
            using var http = SingleConnectionClient(address);
            int index;
            while ((index = Interlocked.Increment(ref next)) < calls)
            {
                using var message = request?.Invoke(index) ?? new HttpRequestMessage(HttpMethod.Get, path);
                using var response = await http.SendAsync(message);
                tally.Record(response);
            }
        });
        await Task.WhenAll(workers);
        return tally;
    }

    // The schema section around the entries given, which the caller writes unindented.
    private static string Configuration(string schema, string upstream) => $"""
        schema:
        {Indent(schema)}
        admin:
          listen: http://127.0.0.1:0
        headers:
          rules:
            - httpHeader: X-Replica-Id
              grpcMetadata: x-replica-id
              direction: outgoing
        {upstream}
        """;

    private static string Indent(string lines) => string.Join('\n', lines.Split('\n').Select(l => "  " + l));
}

/// <summary>Replies counted by the replica that served them (<c>X-Replica-Id</c>), and failures by status.</summary>
internal sealed class CallTally
{
    private readonly Dictionary<string, int> byReplica = new(StringComparer.Ordinal);
    private readonly List<HttpStatusCode> failures = [];

    public IReadOnlyDictionary<string, int> ByReplica
    {
        get
        {
            lock (byReplica)
            {
                return new Dictionary<string, int>(byReplica);
            }
        }
    }

    public IReadOnlyList<HttpStatusCode> Failures
    {
        get
        {
            lock (byReplica)
            {
                return [.. failures];
            }
        }
    }

    public int Count(string replica) => ByReplica.GetValueOrDefault(replica);

    public void Record(HttpResponseMessage response)
    {
        lock (byReplica)
        {
            if (!response.IsSuccessStatusCode)
            {
                failures.Add(response.StatusCode);
                return;
            }

            var replica = response.Headers.TryGetValues("X-Replica-Id", out var values) ? values.Single() : "(none)";
            byReplica[replica] = byReplica.GetValueOrDefault(replica) + 1;
        }
    }

    public override string ToString() =>
        string.Join(", ", ByReplica.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))
        + (Failures.Count > 0 ? $"; failures: {string.Join(", ", Failures)}" : string.Empty);
}
