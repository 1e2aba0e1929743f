using System.Globalization;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Strait.Samples.GrpcDotnetBackend;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

// The interop backend on the stack most .NET services run: Grpc.AspNetCore on Kestrel, with the standard server
// reflection (Grpc.AspNetCore.Server.Reflection) and health (Grpc.HealthCheck) services.
//   GrpcDotnetBackend [--host ADDR] [--port N] [--replica-id ID]
// Serves h2c on ADDR:N (default 127.0.0.1, port 0 = any free port) and prints "LISTENING <port>" once ready. Every
// response carries the header x-replica-id: ID (default grpc-dotnet-<port>). Stops on SIGTERM/Ctrl+C, or when a
// redirected stdin closes (so a test harness that dies never leaves it running). Lines on stdin are commands:
// "health serving" / "health not-serving" set every health status and print "HEALTH SERVING" / "HEALTH NOT_SERVING".
if (!BackendOptions.TryParse(args, out var options, out var error))
{
    await Console.Error.WriteLineAsync("GrpcDotnetBackend: " + error).ConfigureAwait(false);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Host, options.Port, listen => listen.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();
builder.Services.AddGrpcReflection();
builder.Services.AddSingleton<HealthServiceImpl>();
builder.Services.AddSingleton<CallJournal>();

var app = builder.Build();
string? replicaId = null;
app.Use((context, next) =>
{
    context.Response.Headers["x-replica-id"] = replicaId;
    return next(context);
});
app.MapGrpcService<EchoBackend>();
app.MapGrpcService<StreamBackend>();
app.MapGrpcService<InteropBackend>();
app.MapGrpcService<HealthServiceImpl>();
app.MapGrpcReflectionService();

var health = app.Services.GetRequiredService<HealthServiceImpl>();
SetHealth(ServingStatus.Serving);

await app.StartAsync().ConfigureAwait(false);
var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
replicaId = options.ReplicaId ?? "grpc-dotnet-" + bound.Port.ToString(CultureInfo.InvariantCulture);
if (Console.IsInputRedirected)
{
    _ = Task.Run(async () =>
    {
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            await RunCommandAsync(line).ConfigureAwait(false);
        }

        app.Lifetime.StopApplication();
    });
}

Console.WriteLine("LISTENING " + bound.Port.ToString(CultureInfo.InvariantCulture));
await app.WaitForShutdownAsync().ConfigureAwait(false);
return 0;

void SetHealth(ServingStatus status)
{
    foreach (var service in (string[])["", EchoBackend.ServiceName, StreamBackend.ServiceName, InteropBackend.ServiceName])
    {
        health.SetStatus(service, status);
    }
}

async Task RunCommandAsync(string line)
{
    switch (line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
    {
        case []:
            return;
        case ["health", "serving"]:
            SetHealth(ServingStatus.Serving);
            await Console.Out.WriteLineAsync("HEALTH SERVING").ConfigureAwait(false);
            return;
        case ["health", "not-serving"]:
            SetHealth(ServingStatus.NotServing);
            await Console.Out.WriteLineAsync("HEALTH NOT_SERVING").ConfigureAwait(false);
            return;
        default:
            await Console.Error.WriteLineAsync($"GrpcDotnetBackend: unknown command '{line}'; expected 'health serving|not-serving'").ConfigureAwait(false);
            return;
    }
}
