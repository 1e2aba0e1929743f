using System.Globalization;

namespace Strait.Tests.Support;

/// <summary>How to start a <see cref="BackendProcess"/>: where it binds, the replica id it reports, and extra flags.</summary>
internal sealed record BackendOptions
{
    /// <summary>The IP address to bind (<c>--host</c>); any of 127.0.0.0/8 works on Linux, so replicas can share a port.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port to bind (<c>--port</c>); 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The <c>x-replica-id</c> the backend answers with (<c>--replica-id</c>); <see langword="null"/> for its default.</summary>
    public string? ReplicaId { get; init; }

    /// <summary>More flags, e.g. <c>--latency-ms 50</c>.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string[] ToArguments() =>
    [
        "--host", Host,
        "--port", Port.ToString(CultureInfo.InvariantCulture),
        .. ReplicaId is null ? Array.Empty<string>() : ["--replica-id", ReplicaId],
        .. Arguments,
    ];
}

/// <summary>
/// A gRPC backend process that prints <c>LISTENING &lt;port&gt;</c> when ready: the C# TaskService, the @grpc/grpc-js
/// echo server or the Grpc.AspNetCore one. Each answers every call with the response header <c>x-replica-id</c>
/// (<see cref="ReplicaId"/>) and serves <c>grpc.health.v1.Health</c>, whose status <see cref="SetHealthAsync"/>
/// switches through stdin.
/// </summary>
internal sealed class BackendProcess : IAsyncDisposable
{
    private readonly ChildProcess process;

    private BackendProcess(ChildProcess process, string host, int port, string replicaId)
    {
        this.process = process;
        Host = host;
        Port = port;
        ReplicaId = replicaId;
    }

    /// <summary>The bound IP address.</summary>
    public string Host { get; }

    /// <summary>The bound port.</summary>
    public int Port { get; }

    /// <summary><c>host:port</c> (<c>[host]:port</c> for IPv6), as <c>--backend</c> takes it.</summary>
    public string Address => Host.Contains(':', StringComparison.Ordinal)
        ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>The <c>x-replica-id</c> it answers with: the one asked for, else <c>taskservice-&lt;port&gt;</c>, <c>node-echo-&lt;port&gt;</c> or <c>grpc-dotnet-&lt;port&gt;</c>.</summary>
    public string ReplicaId { get; }

    /// <summary>Output so far (stdout and stderr), for failure messages.</summary>
    public string Output => process.Output;

    public static Task<BackendProcess> StartTaskServiceAsync(params string[] arguments) =>
        StartTaskServiceAsync(new BackendOptions { Arguments = arguments });

    public static Task<BackendProcess> StartTaskServiceAsync(BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return StartAsync("dotnet", [RepositoryPaths.TaskServiceDll, .. options.ToArguments()], options, "taskservice-");
    }

    public static Task<BackendProcess> StartNodeEchoAsync() => StartNodeEchoAsync(new BackendOptions());

    public static Task<BackendProcess> StartNodeEchoAsync(BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(Path.Combine(RepositoryPaths.NodeEcho, "node_modules")))
        {
            throw new InvalidOperationException("samples/node-echo has no node_modules: run ./test.sh (it runs npm ci) or npm ci --prefix samples/node-echo");
        }

        return StartAsync("node", [Path.Combine(RepositoryPaths.NodeEcho, "server.js"), .. options.ToArguments()], options, "node-echo-");
    }

    /// <summary>samples/GrpcDotnetBackend: the echo contract, StreamService and InteropService on Grpc.AspNetCore.</summary>
    public static Task<BackendProcess> StartGrpcDotnetAsync() => StartGrpcDotnetAsync(new BackendOptions());

    public static Task<BackendProcess> StartGrpcDotnetAsync(BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return StartAsync("dotnet", [RepositoryPaths.GrpcDotnetBackendDll, .. options.ToArguments()], options, "grpc-dotnet-");
    }

    /// <summary>samples/node-echo/schema-server.js serving the services of <paramref name="descriptorSet"/>, with reflection.</summary>
    public static Task<BackendProcess> StartSchemaServerAsync(string descriptorSet, BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arguments = new List<string> { Path.Combine(RepositoryPaths.NodeEcho, "schema-server.js"), "--descriptor-set", descriptorSet, "--host", options.Host, "--port", options.Port.ToString(CultureInfo.InvariantCulture) };
        if (options.ReplicaId is not null)
        {
            arguments.AddRange(["--replica-id", options.ReplicaId]);
        }

        return StartAsync("node", [.. arguments], options, "schema-server-");
    }

    /// <summary>
    /// Sets the health status of the server and its services (stdin <c>health serving</c> / <c>health not-serving</c>)
    /// and waits until the backend confirms it with <c>HEALTH SERVING</c> / <c>HEALTH NOT_SERVING</c>. One at a time.
    /// </summary>
    public async Task SetHealthAsync(bool serving)
    {
        var confirmation = serving ? "HEALTH SERVING" : "HEALTH NOT_SERVING";
        var confirmed = process.WaitForLineAsync(line => line == confirmation, includeEarlierOutput: false);
        await process.WriteLineAsync(serving ? "health serving" : "health not-serving");
        await confirmed;
    }

    /// <summary>When (Unix milliseconds, the backend's clock) the node-echo backend saw the ServerStream of <paramref name="text"/> cancelled.</summary>
    public async Task<long> ServerStreamCancelledAtAsync(string text)
    {
        var suffix = " " + text;
        var line = await process.WaitForLineAsync(l => l.StartsWith("CANCELLED_AT ", StringComparison.Ordinal) && l.EndsWith(suffix, StringComparison.Ordinal))
            .WaitAsync(TimeSpan.FromSeconds(10));
        return long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>How many replies each running ServerStream of the node-echo backend has written (stdin <c>streams</c>), by request text.</summary>
    public async Task<Dictionary<string, int>> ServerStreamProgressAsync()
    {
        var answer = process.WaitForLineAsync(line => line.StartsWith("STREAMS", StringComparison.Ordinal), includeEarlierOutput: false);
        await process.WriteLineAsync("streams");
        var line = await answer;
        return line["STREAMS".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('='))
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Makes every call fail with <paramref name="code"/> (stdin <c>fail CODE</c>), or ends that with null; TaskService only.</summary>
    public async Task FailEveryCallAsync(string? code)
    {
        var confirmation = code is null ? "FAIL OFF" : "FAIL " + code;
        var confirmed = process.WaitForLineAsync(line => line == confirmation, includeEarlierOutput: false);
        await process.WriteLineAsync(code is null ? "fail off" : "fail " + code);
        await confirmed;
    }

    /// <summary>Calls that reached the service, and those answered OK (stdin <c>calls</c>); TaskService only.</summary>
    public async Task<(int Started, int Succeeded)> GetCallsAsync()
    {
        var answer = process.WaitForLineAsync(line => line.StartsWith("CALLS ", StringComparison.Ordinal), includeEarlierOutput: false);
        await process.WriteLineAsync("calls");
        var words = (await answer).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(words[1]["started=".Length..], CultureInfo.InvariantCulture), int.Parse(words[2]["succeeded=".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>Waits for an output line (for <c>--log-calls</c> lines such as <c>END …</c>), earlier ones included.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match) => process.WaitForLineAsync(match);

    /// <summary>Output lines that start with <paramref name="prefix"/>, so far.</summary>
    public IReadOnlyList<string> Lines(string prefix) =>
        [.. Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(prefix, StringComparison.Ordinal))];

    private static async Task<BackendProcess> StartAsync(string fileName, string[] arguments, BackendOptions options, string replicaIdPrefix)
    {
        var process = ChildProcess.Start(fileName, arguments);
        try
        {
            var line = await process.WaitForLineAsync(l => l.StartsWith("LISTENING ", StringComparison.Ordinal));
            var port = int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture);
            var replicaId = options.ReplicaId ?? replicaIdPrefix + port.ToString(CultureInfo.InvariantCulture);
            return new BackendProcess(process, options.Host, port, replicaId);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
