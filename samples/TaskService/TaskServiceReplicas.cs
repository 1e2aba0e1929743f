using System.Net;
using Strait.Wire;

namespace Strait.Samples.TaskService;

/// <summary>
/// Several gRPC servers on loopback serving one shared <see cref="InMemoryTaskService"/>, the way replicas of a
/// real service share a database: a task created through one replica is visible through the others.
/// </summary>
public sealed class TaskServiceReplicas : IAsyncDisposable
{
    private readonly List<GrpcServerHost> hosts;

    private TaskServiceReplicas(List<GrpcServerHost> hosts) => this.hosts = hosts;

    public IReadOnlyList<Uri> Addresses => [.. hosts.Select(h => h.Address)];

    public static async Task<TaskServiceReplicas> StartAsync(int count, FaultInjection? faults = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var service = new InMemoryTaskService(faults);
        var hosts = new List<GrpcServerHost>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                hosts.Add(await StartOneAsync(service, new IPEndPoint(IPAddress.Loopback, 0), cancellationToken).ConfigureAwait(false));
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

        return new TaskServiceReplicas(hosts);
    }

    public static Task<GrpcServerHost> StartOneAsync(InMemoryTaskService service, IPEndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var definition = TaskServiceGrpc.Define(service);
        return GrpcServerHost.StartAsync(endpoint, endpoints =>
        {
            endpoints.MapGrpcService(definition);
            endpoints.MapGrpcFallback();
        }, cancellationToken: cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}
