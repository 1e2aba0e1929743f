using Grpc.Health.V1;
using Strait.Wire;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Strait.Gateway;

/// <summary>
/// Strait's own <c>grpc.health.v1.Health</c>: <c>""</c> is the gateway's readiness (serving from start until shutdown
/// begins); a routed service is SERVING while its cluster has a usable endpoint. Watch re-evaluates every
/// <see cref="WatchInterval"/> and sends each change.
/// </summary>
internal sealed class GatewayHealthService(GatewaySnapshotHolder snapshots, Func<bool> ready)
{
    public const string ServiceName = "grpc.health.v1.Health";

    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(1);

    public GrpcServiceDefinition Define() =>
        new GrpcServiceDefinition(ServiceName)
            .AddUnary<HealthCheckRequest, HealthCheckResponse>("Check", HealthCheckRequest.Parser, (request, _) =>
                StatusOf(request.Service) is { } status
                    ? Task.FromResult(new HealthCheckResponse { Status = status })
                    : throw new GrpcException(GrpcStatusCode.NotFound, $"unknown service '{request.Service}'"))
            .AddServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch", HealthCheckRequest.Parser, WatchAsync);

    private async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        using var timer = new PeriodicTimer(WatchInterval);
        ServingStatus? sent = null;
        do
        {
            var status = StatusOf(request.Service) ?? ServingStatus.ServiceUnknown;
            if (status != sent)
            {
                await responses.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
                sent = status;
            }
        }
        while (await timer.WaitForNextTickAsync(context.CancellationToken).ConfigureAwait(false));
    }

    private ServingStatus? StatusOf(string service)
    {
        if (service.Length == 0)
        {
            return ready() ? ServingStatus.Serving : ServingStatus.NotServing;
        }

        var snapshot = snapshots.Current;
        var descriptor = snapshot.Schema.Services.FirstOrDefault(s => s.FullName == service);
        if (descriptor is null || descriptor.Methods.Count == 0)
        {
            return null;
        }

        return ready() && snapshot.Plans.For(descriptor.Methods[0]).Cluster.UsableCount > 0 ? ServingStatus.Serving : ServingStatus.NotServing;
    }
}
