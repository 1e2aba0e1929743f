using System.Threading.Channels;
using Grpc.Health.V1;
using Strait.Wire;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Strait.Samples.TaskService;

/// <summary>
/// The standard <c>grpc.health.v1.Health</c> service of one server: a single serving status, <c>SERVING</c> at
/// first, that covers the whole server (<c>""</c>) and every service it names. <see cref="SetStatus"/> switches it;
/// Watch streams every change. Thread-safe.
/// </summary>
internal sealed class HealthService
{
    public const string ServiceName = "grpc.health.v1.Health";

    private readonly Lock gate = new();
    private readonly HashSet<string> services;
    private readonly HashSet<Channel<ServingStatus>> watchers = [];
    private ServingStatus status = ServingStatus.Serving;

    /// <summary>A health service for a TaskService server: it knows <c>""</c> and <c>todo.v1.TaskService</c>.</summary>
    public HealthService()
        : this([TaskServiceGrpc.ServiceName])
    {
    }

    /// <summary>A health service that knows <c>""</c> and <paramref name="services"/>.</summary>
    public HealthService(IEnumerable<string> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        this.services = new HashSet<string>(services, StringComparer.Ordinal) { string.Empty };
    }

    public ServingStatus Status
    {
        get
        {
            lock (gate)
            {
                return status;
            }
        }
    }

    /// <summary>Sets the status of the server and all its services; running Watch calls get the change.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is neither SERVING nor NOT_SERVING.</exception>
    public void SetStatus(ServingStatus status)
    {
        if (status is not (ServingStatus.Serving or ServingStatus.NotServing))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A server is either SERVING or NOT_SERVING.");
        }

        lock (gate)
        {
            if (this.status == status)
            {
                return;
            }

            this.status = status;
            foreach (var watcher in watchers)
            {
                watcher.Writer.TryWrite(status);
            }
        }
    }

    /// <summary>The service's status; <c>NOT_FOUND</c> "unknown service &lt;name&gt;" for a service this server does not know.</summary>
    public HealthCheckResponse Check(HealthCheckRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return services.Contains(request.Service)
            ? new HealthCheckResponse { Status = Status }
            : throw new GrpcException(GrpcStatusCode.NotFound, $"unknown service {request.Service}");
    }

    /// <summary>
    /// Sends the status now and after every change until <paramref name="cancellationToken"/> fires; for an unknown
    /// service it sends <c>SERVICE_UNKNOWN</c> once and keeps the call open, as the health protocol asks.
    /// </summary>
    public async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(writer);
        if (!services.Contains(request.Service))
        {
            await writer.WriteAsync(new HealthCheckResponse { Status = ServingStatus.ServiceUnknown }, cancellationToken).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            return;
        }

        var changes = Channel.CreateUnbounded<ServingStatus>(new UnboundedChannelOptions { SingleReader = true });
        ServingStatus current;
        lock (gate)
        {
            current = status;
            watchers.Add(changes);
        }

        try
        {
            await writer.WriteAsync(new HealthCheckResponse { Status = current }, cancellationToken).ConfigureAwait(false);
            await foreach (var next in changes.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (next != current)
                {
                    current = next;
                    await writer.WriteAsync(new HealthCheckResponse { Status = current }, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lock (gate)
            {
                watchers.Remove(changes);
            }
        }
    }

    /// <summary>The gRPC service; every reply carries <c>x-replica-id</c> (see <see cref="TaskServiceGrpc.Define"/>).</summary>
    public GrpcServiceDefinition Define(string? replicaId = null) =>
        new GrpcServiceDefinition(ServiceName)
            .AddUnary("Check", HealthCheckRequest.Parser, async (HealthCheckRequest request, ServerCallContext context) =>
            {
                await TaskServiceGrpc.SendReplicaIdAsync(context, replicaId).ConfigureAwait(false);
                return Check(request);
            })
            .AddServerStreaming("Watch", HealthCheckRequest.Parser, async (HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> writer, ServerCallContext context) =>
            {
                await TaskServiceGrpc.SendReplicaIdAsync(context, replicaId).ConfigureAwait(false);
                await WatchAsync(request, writer, context.CancellationToken).ConfigureAwait(false);
            });
}
