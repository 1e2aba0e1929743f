using System.Globalization;
using System.Net;
using Google.Rpc;
using Strait.Samples.Hosting;
using Strait.Samples.TaskService;

namespace Strait.Tests.Support;

/// <summary>
/// One todo.v1 TaskService server inside the test process, started as the sample's own <c>TaskService</c> program
/// and <c>strait demo</c> start theirs (<see cref="TaskServiceReplicas.StartOneAsync(InMemoryTaskService, IPEndPoint, string?, HealthService?, CancellationToken)"/>),
/// with its own store, faults and health: what <see cref="BackendProcess"/> gives through stdin, given directly.
/// </summary>
internal sealed class TaskServiceReplica : IAsyncDisposable
{
    private readonly GrpcServerHost host;
    private readonly LineLog calls;

    private TaskServiceReplica(GrpcServerHost host, InMemoryTaskService service, HealthService health, LineLog calls, string? replicaId)
    {
        this.host = host;
        this.calls = calls;
        Service = service;
        Health = health;
        ReplicaId = replicaId ?? "taskservice-" + host.Address.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary><c>host:port</c>, as <c>backend.addresses</c> takes it.</summary>
    public string Address => host.Address.Authority;

    /// <summary>The <c>x-replica-id</c> it answers with: the one asked for, else <c>taskservice-&lt;port&gt;</c>.</summary>
    public string ReplicaId { get; }

    public InMemoryTaskService Service { get; }

    /// <summary>Its <c>grpc.health.v1.Health</c> status.</summary>
    public HealthService Health { get; }

    /// <summary>Calls that reached the service, and those answered OK.</summary>
    public (int Started, int Succeeded) Calls => ((int)Service.Journal.Started, (int)Service.Journal.Succeeded);

    /// <summary>
    /// Starts a replica on 127.0.0.1 and a free port. Every call writes <c>CALL …</c> and <c>END …</c> lines (the
    /// program's <c>--log-calls</c>) that <see cref="WaitForLineAsync"/> and <see cref="Lines"/> read.
    /// </summary>
    public static async Task<TaskServiceReplica> StartAsync(string? replicaId = null, FaultInjection? faults = null)
    {
        var service = new InMemoryTaskService(faults);
        var health = new HealthService();
        var calls = new LineLog();
        service.Journal.Log = calls.Add;
        var host = await TaskServiceReplicas.StartOneAsync(service, new IPEndPoint(IPAddress.Loopback, 0), replicaId, health);
        return new TaskServiceReplica(host, service, health, calls, replicaId);
    }

    /// <summary>Makes every call fail with <paramref name="code"/> (the program's stdin <c>fail CODE</c>), or ends that with null.</summary>
    public void FailEveryCall(Code? code) => Service.FailEveryCall(code);

    /// <summary>Waits for a <c>CALL</c> or <c>END</c> line, earlier ones included.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match) => calls.WaitForLineAsync(match);

    /// <summary>Call lines so far that start with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<string> Lines(string prefix) => calls.Lines(prefix);

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
