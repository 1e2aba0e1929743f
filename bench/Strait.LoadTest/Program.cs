using System.Diagnostics;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using Strait.Wire;
using GetTaskRequest = Todo.V1.GetTaskRequest;

// Closed-loop load generator: N workers each send the next request as soon as the previous one completes,
// for a fixed number of requests after a warm-up (5 s, or STRAIT_LOAD_WARMUP_SECONDS), and the latency of every request is recorded.
//   Strait.LoadTest rest <gateway-url> <task-name> <concurrency> <requests>     GET /v1/{task-name} (GetTask)
//   Strait.LoadTest grpc <backend-url> <task-name> <concurrency> <requests>     GetTask straight to the backend
//   Strait.LoadTest rest-list <gateway-url> <concurrency> <requests>            GET /v1/tasks (ListTasks), which
//                                                                               succeeds on every replica
// Stream modes count a whole stream of <messages> as one request (StreamService.ServerStream of samples/node-echo):
//   Strait.LoadTest grpc-stream <url> <messages> <concurrency> <streams>       native gRPC, to a backend or Strait
//   Strait.LoadTest ndjson|sse <gateway-url> <messages> <concurrency> <streams> GET /v1/stream/bench?count=<messages>
if (!(args is ["rest" or "grpc" or "grpc-stream" or "ndjson" or "sse", _, _, _, _] or ["rest-list", _, _, _]))
{
    Console.Error.WriteLine("usage: Strait.LoadTest rest|grpc <url> <task-name> <concurrency> <requests>");
    Console.Error.WriteLine("       Strait.LoadTest rest-list <gateway-url> <concurrency> <requests>");
    Console.Error.WriteLine("       Strait.LoadTest grpc-stream|ndjson|sse <url> <messages> <concurrency> <streams>");
    return 2;
}

var mode = args[0];
var target = new Uri(args[1]);
var concurrency = int.Parse(args[^2], CultureInfo.InvariantCulture);
var total = int.Parse(args[^1], CultureInfo.InvariantCulture);
// gRPC modes spread their calls over this many HTTP/2 connections (clients), round robin; 1 by default.
var connections = Math.Max(1, int.Parse(Environment.GetEnvironmentVariable("STRAIT_LOAD_CONNECTIONS") ?? "1", CultureInfo.InvariantCulture));
// Stream modes ask the backend to wait this long between messages (StreamRequest.interval_ms); 0 by default.
var streamInterval = int.Parse(Environment.GetEnvironmentVariable("STRAIT_LOAD_STREAM_INTERVAL_MS") ?? "0", CultureInfo.InvariantCulture);
var perStream = mode is "grpc-stream" or "ndjson" or "sse" ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;

var grpcClients = mode is "grpc" or "grpc-stream" ? Enumerable.Range(0, connections).Select(_ => new GrpcClient(target)).ToArray() : [];
var turn = 0;
GrpcClient NextClient() => grpcClients[(uint)Interlocked.Increment(ref turn) % grpcClients.Length];

Func<Task<bool>> send;
if (mode == "grpc-stream")
{
    // StreamRequest { text = "bench" (1), count = <messages> (2), interval_ms (3) }, encoded by hand: the load tool has
    // no echo protos.
    var request = new byte[] { 0x0A, 5, (byte)'b', (byte)'e', (byte)'n', (byte)'c', (byte)'h', 0x10 }.Concat(Varint(perStream))
        .Concat(streamInterval > 0 ? [0x18, .. Varint(streamInterval)] : Array.Empty<byte>()).ToArray();
    send = async () =>
    {
        await using var call = NextClient().StartCall("/strait.echo.v1.StreamService/ServerStream", null, DateTime.UtcNow.AddSeconds(60));
        await call.WriteMessageAsync(request);
        await call.CompleteRequestAsync();
        var received = 0;
        while (await call.MoveNextAsync())
        {
            received++;
        }

        return call.GetStatus().Code == GrpcStatusCode.Ok && received == perStream;
    };
}
else if (mode is "ndjson" or "sse")
{
    var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = target,
    };
    var path = "/v1/stream/bench?count=" + perStream.ToString(CultureInfo.InvariantCulture)
        + (streamInterval > 0 ? "&intervalMs=" + streamInterval.ToString(CultureInfo.InvariantCulture) : string.Empty);
    send = async () =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (mode == "sse")
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var received = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (mode == "sse" ? line.StartsWith("data: ", StringComparison.Ordinal) : line.Length > 0)
            {
                received++;
            }
        }

        return response.StatusCode == HttpStatusCode.OK && received == perStream;
    };
}
else if (mode is "rest" or "rest-list")
{
    var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = target,
    };
    var path = mode == "rest-list" ? "/v1/tasks" : "/v1/" + args[2];
    send = async () =>
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        return response.StatusCode == HttpStatusCode.OK;
    };
}
else
{
    var request = new GetTaskRequest { Name = args[2] }.ToByteArray();
    send = async () =>
    {
        using var result = await NextClient().InvokeUnaryAsync("/todo.v1.TaskService/GetTask", request, null, DateTime.UtcNow.AddSeconds(30), CancellationToken.None);
        return result.Status.Code == GrpcStatusCode.Ok;
    };
}

// Warm-up by time, not count: tiered JIT keeps recompiling the hot path for a few seconds after the first calls
// (tier 0, instrumented, tier 1), and a cold side would measure the JIT rather than the hop.
var warmUpTime = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("STRAIT_LOAD_WARMUP_SECONDS") ?? "5", CultureInfo.InvariantCulture));
var warmUp = Stopwatch.StartNew();
while (warmUp.Elapsed < warmUpTime)
{
    await RunAsync(Math.Max(concurrency, Math.Min(total / 10, 1000)), concurrency, send, null);
}

var latencies = new double[total];
var failures = 0;
var cpuBefore = Environment.CpuUsage.TotalTime;
var clock = Stopwatch.StartNew();
await RunAsync(total, concurrency, send, (index, ms, ok) =>
{
    latencies[index] = ms;
    if (!ok)
    {
        Interlocked.Increment(ref failures);
    }
});
clock.Stop();
var clientCpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds / total;

Array.Sort(latencies);
var streamRate = perStream > 1 ? string.Create(CultureInfo.InvariantCulture, $", {(double)total * perStream / clock.Elapsed.TotalSeconds:F0} messages/s") : string.Empty;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{mode}: {total} requests, concurrency {concurrency}, {total / clock.Elapsed.TotalSeconds:F0} req/s, " +
    $"p50 {Percentile(0.50):F2} ms, p90 {Percentile(0.90):F2} ms, p99 {Percentile(0.99):F2} ms, max {latencies[^1]:F2} ms, failures {failures}, client CPU {clientCpu:F0} us/request") + streamRate);
return failures == 0 ? 0 : 1;

double Percentile(double p) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)];

static byte[] Varint(int value)
{
    var bytes = new List<byte>();
    var v = (uint)value;
    while (v >= 0x80)
    {
        bytes.Add((byte)(v | 0x80));
        v >>= 7;
    }

    bytes.Add((byte)v);
    return [.. bytes];
}

static async Task RunAsync(int count, int concurrency, Func<Task<bool>> send, Action<int, double, bool>? record)
{
    var next = -1;
    var workers = Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < count)
        {
            var started = Stopwatch.GetTimestamp();
            var ok = await send();
            record?.Invoke(index, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ok);
        }
    });
    await Task.WhenAll(workers);
}
