using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Google.Rpc;
using Strait.Samples.TaskService;
using Strait.Wire;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

// The todo.v1.TaskService demo backend as a process of its own:
//   TaskService [--host ADDR] [--port N] [--replica-id ID] [--latency-ms N] [--jitter-ms N] [--error-rate R]
//               [--error-code CODE] [--fail-first N] [--max-concurrency N] [--tail-rate R --tail-ms N] [--log-calls true]
// Serves todo.v1.TaskService and grpc.health.v1.Health on ADDR:N (default 127.0.0.1, port 0 = any free port); every
// reply carries the response header x-replica-id: ID (default taskservice-<port>). Prints "LISTENING <port>" once
// ready; stops on SIGTERM/Ctrl+C, or when a redirected stdin closes (so a test harness that dies never leaves it
// running). Lines on stdin are commands: "health serving" / "health not-serving" set the health status and print
// "HEALTH SERVING" / "HEALTH NOT_SERVING" once it is in effect; "fail CODE" makes every call fail with CODE, without RetryInfo (prints
// "FAIL CODE"), "fail off" ends that ("FAIL OFF"); "calls" prints "CALLS started=N succeeded=N". With --log-calls,
// every call prints "CALL METHOD deadline-ms=N attempt=N request-id=ID idempotency-key=K" and "END METHOD CODE request-id=ID".
var settings = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        await Console.Error.WriteLineAsync($"TaskService: unexpected argument '{args[i]}'").ConfigureAwait(false);
        return 2;
    }

    settings[args[i][2..]] = args[++i];
}

FaultInjection faults;
IPAddress address;
int port;
string? replicaId;
bool logCalls;
try
{
    address = Setting("host", IPAddress.Loopback, (s, _) => IPAddress.Parse(s));
    port = Setting("port", 0, int.Parse);
    if (port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
    {
        throw new ArgumentException($"--port needs a number from 0 to 65535, got {port}.");
    }

    replicaId = Setting<string?>("replica-id", null, (s, _) => s.Length > 0 && GrpcMetadata.IsValidTextValue(s)
        ? s
        : throw new ArgumentException("--replica-id needs a non-empty value of printable ASCII characters."));
    faults = new FaultInjection
    {
        Latency = TimeSpan.FromMilliseconds(Setting("latency-ms", 0, int.Parse)),
        LatencyJitter = TimeSpan.FromMilliseconds(Setting("jitter-ms", 0, int.Parse)),
        ErrorRate = Setting("error-rate", 0.0, double.Parse),
        ErrorCode = Setting("error-code", Code.Unavailable, (s, _) => Enum.Parse<Code>(s.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true)),
        FailFirstCalls = Setting("fail-first", 0, int.Parse),
        MaxConcurrency = Setting("max-concurrency", 0, int.Parse),
        TailRate = Setting("tail-rate", 0.0, double.Parse),
        TailLatency = TimeSpan.FromMilliseconds(Setting("tail-ms", 0, int.Parse)),
    };
    faults.Validate();
    logCalls = Setting("log-calls", false, (s, _) => bool.Parse(s));
}
catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
{
    await Console.Error.WriteLineAsync("TaskService: " + e.Message).ConfigureAwait(false);
    return 2;
}

var health = new HealthService();
var service = new InMemoryTaskService(faults);
using var stop = new CancellationTokenSource();
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
if (Console.IsInputRedirected)
{
    _ = Task.Run(async () =>
    {
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            await RunCommandAsync(line).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
    });
}

if (logCalls)
{
    // Console.Out is synchronized: lines from concurrent calls never interleave.
    service.Journal.Log = Console.Out.WriteLine;
}

await using var host = await TaskServiceReplicas.StartOneAsync(service, new IPEndPoint(address, port), replicaId, health).ConfigureAwait(false);
Console.WriteLine($"LISTENING {host.Address.Port}");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
}
catch (OperationCanceledException)
{
}

return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

T Setting<T>(string name, T fallback, Func<string, IFormatProvider, T> parse) =>
    settings.TryGetValue(name, out var text) ? parse(text, CultureInfo.InvariantCulture) : fallback;

async Task RunCommandAsync(string line)
{
    var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    switch (words)
    {
        case []:
            return;
        case ["health", "serving"]:
            health.SetStatus(ServingStatus.Serving);
            await Console.Out.WriteLineAsync("HEALTH SERVING").ConfigureAwait(false);
            return;
        case ["health", "not-serving"]:
            health.SetStatus(ServingStatus.NotServing);
            await Console.Out.WriteLineAsync("HEALTH NOT_SERVING").ConfigureAwait(false);
            return;
        case ["fail", "off"]:
            service.FailEveryCall(null);
            await Console.Out.WriteLineAsync("FAIL OFF").ConfigureAwait(false);
            return;
        case ["fail", var codeName] when RpcCodes.TryParseError(codeName, out var code):
            service.FailEveryCall(code);
            await Console.Out.WriteLineAsync("FAIL " + codeName.ToUpperInvariant()).ConfigureAwait(false);
            return;
        case ["calls"]:
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"CALLS started={service.Journal.Started} succeeded={service.Journal.Succeeded}")).ConfigureAwait(false);
            return;
        default:
            await Console.Error.WriteLineAsync($"TaskService: unknown command '{line}'; expected 'health serving|not-serving', 'fail CODE|off' or 'calls'").ConfigureAwait(false);
            return;
    }
}
