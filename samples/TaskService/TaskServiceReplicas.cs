using System.Net;
using Strait.Reflection;
using Strait.Samples.Hosting;

namespace Strait.Samples.TaskService;

/// <summary>
/// Several gRPC servers on loopback serving one shared <see cref="InMemoryTaskService"/>, the way replicas of a
/// real service share a database: a task created through one replica is visible through the others. Each replica
/// has its own health status and answers with its own <c>x-replica-id</c> (<c>taskservice-&lt;port&gt;</c>).
/// </summary>
internal sealed class TaskServiceReplicas : IAsyncDisposable
{
    private readonly List<GrpcServerHost> hosts;
    private readonly List<HealthService> health;

    private TaskServiceReplicas(List<GrpcServerHost> hosts, List<HealthService> health)
    {
        this.hosts = hosts;
        this.health = health;
    }

    public IReadOnlyList<Uri> Addresses => [.. hosts.Select(h => h.Address)];

    /// <summary>The replicas' health services, in the order of <see cref="Addresses"/>.</summary>
    public IReadOnlyList<HealthService> Health => health;

    public static async Task<TaskServiceReplicas> StartAsync(int count, FaultInjection? faults = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var service = new InMemoryTaskService(faults);
        var hosts = new List<GrpcServerHost>(count);
        var health = new List<HealthService>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var replicaHealth = new HealthService();
                hosts.Add(await StartOneAsync(service, new IPEndPoint(IPAddress.Loopback, 0), replicaId: null, replicaHealth, cancellationToken).ConfigureAwait(false));
                health.Add(replicaHealth);
            }
        }
        catch
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new TaskServiceReplicas(hosts, health);
    }

    public static Task<GrpcServerHost> StartOneAsync(InMemoryTaskService service, IPEndPoint endpoint, CancellationToken cancellationToken = default) =>
        StartOneAsync(service, endpoint, replicaId: null, health: null, cancellationToken);

    /// <summary>
    /// Starts one server with <c>todo.v1.TaskService</c>, <c>grpc.health.v1.Health</c> (<paramref name="health"/>, or
    /// one that always reports SERVING) and server reflection (v1 and v1alpha, describing all of them, so a gateway needs
    /// no proto files); other services get UNIMPLEMENTED from the host's fallback. Every reply of both
    /// services carries <c>x-replica-id</c>: <paramref name="replicaId"/>, or <c>taskservice-&lt;port&gt;</c> when it is
    /// <see langword="null"/>.
    /// </summary>
    public static Task<GrpcServerHost> StartOneAsync(
        InMemoryTaskService service,
        IPEndPoint endpoint,
        string? replicaId,
        HealthService? health,
        CancellationToken cancellationToken = default)
    {
        var definition = TaskServiceGrpc.Define(service, replicaId);
        var healthDefinition = (health ?? new HealthService()).Define(replicaId);
        return GrpcServerHost.StartAsync(endpoint, endpoints =>
        {
            endpoints.MapGrpcService(definition);
            endpoints.MapGrpcService(healthDefinition);
            foreach (var reflection in ReflectionServices.Create(() => Reflection.Value))
            {
                endpoints.MapGrpcService(reflection);
            }
        }, cancellationToken: cancellationToken);
    }

    private static readonly Lazy<ReflectionIndex> Reflection = new(() => new ReflectionIndex(
        [Todo.V1.TodoReflection.Descriptor, Grpc.Health.V1.HealthReflection.Descriptor, .. ReflectionServices.ProtocolFiles],
        [TaskServiceGrpc.ServiceName, HealthService.ServiceName, ReflectionServices.V1ServiceName, ReflectionServices.V1AlphaServiceName]));

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}
