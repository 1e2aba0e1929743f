using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Google.Rpc;
using Strait.Samples.TaskService;

// The todo.v1.TaskService demo backend as a process of its own:
//   TaskService [--port N] [--latency-ms N] [--jitter-ms N] [--error-rate R] [--error-code CODE] [--fail-first N]
// Prints "LISTENING <port>" once ready; stops on SIGTERM/Ctrl+C, or when a redirected stdin closes (so a test
// harness that dies never leaves it running).
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
int port;
try
{
    port = Setting("port", 0, int.Parse);
    faults = new FaultInjection
    {
        Latency = TimeSpan.FromMilliseconds(Setting("latency-ms", 0, int.Parse)),
        LatencyJitter = TimeSpan.FromMilliseconds(Setting("jitter-ms", 0, int.Parse)),
        ErrorRate = Setting("error-rate", 0.0, double.Parse),
        ErrorCode = Setting("error-code", Code.Unavailable, (s, _) => Enum.Parse<Code>(s.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true)),
        FailFirstCalls = Setting("fail-first", 0, int.Parse),
    };
}
catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
{
    await Console.Error.WriteLineAsync("TaskService: " + e.Message).ConfigureAwait(false);
    return 2;
}

using var stop = new CancellationTokenSource();
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
if (Console.IsInputRedirected)
{
    _ = Task.Run(async () =>
    {
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is not null)
        {
        }

        await stop.CancelAsync().ConfigureAwait(false);
    });
}

await using var host = await TaskServiceReplicas.StartOneAsync(new InMemoryTaskService(faults), new IPEndPoint(IPAddress.Loopback, port)).ConfigureAwait(false);
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
