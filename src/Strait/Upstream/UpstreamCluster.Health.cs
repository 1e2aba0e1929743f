using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Strait.Wire;

namespace Strait.Upstream;

/// <summary>Active health: <c>grpc.health.v1.Health/Check</c> on every endpoint, every interval, over its own connection pool.</summary>
internal sealed partial class UpstreamCluster
{
    private byte[] healthRequest = [];

    private async Task RunHealthChecksAsync()
    {
        var token = stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                // The first round runs at once, so that endpoints leave "unknown" before the first interval passes.
                UpstreamEndpoint[] targets;
                lock (gate)
                {
                    targets = [.. endpoints];
                }

                await CheckEndpointsAsync(targets, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogBackgroundFailure(logger, e, Name);
            }

            try
            {
                await Task.Delay(Settings.HealthCheckInterval, time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task CheckEndpointsAsync(IReadOnlyList<UpstreamEndpoint> targets, CancellationToken cancellationToken)
    {
        var checks = new Task[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            checks[i] = CheckAsync(targets[i], healthRequest, cancellationToken);
        }

        await Task.WhenAll(checks).ConfigureAwait(false);
    }

    private async Task CheckAsync(UpstreamEndpoint endpoint, byte[] request, CancellationToken cancellationToken)
    {
        HealthVerdict verdict;
        string? detail = null;
        try
        {
            var deadline = time.GetUtcNow().UtcDateTime + Settings.HealthCheckTimeout;
            using var result = await endpoint.Client.InvokeUnaryAsync(HealthCheckProtocol.CheckMethod, request, null, deadline, cancellationToken).ConfigureAwait(false);
            if (result.Status.Code != GrpcStatusCode.Ok)
            {
                verdict = HealthVerdict.Failed;
                detail = result.Status.Code == GrpcStatusCode.Unimplemented
                    ? "the endpoint does not implement grpc.health.v1.Health"
                    : result.Status.ToString();
            }
            else
            {
                var status = HealthCheckProtocol.DecodeResponse(result.Message.Span);
                verdict = status == HealthCheckProtocol.ServingStatus.Serving ? HealthVerdict.Serving : HealthVerdict.NotServing;
                detail = status == HealthCheckProtocol.ServingStatus.Serving ? null : $"answered {status}";
            }
        }
        catch (ObjectDisposedException)
        {
            // The endpoint drained and closed while it was being checked.
            return;
        }
        catch (InvalidProtocolBufferException)
        {
            verdict = HealthVerdict.Failed;
            detail = "malformed HealthCheckResponse";
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            ApplyHealth(endpoint, verdict, detail);
        }
    }

    private void ApplyHealth(UpstreamEndpoint endpoint, HealthVerdict verdict, string? detail)
    {
        EndpointHealth before, after;
        lock (gate)
        {
            if (endpoint.IsDraining)
            {
                return;
            }

            before = endpoint.Health;
            endpoint.LastHealthError = detail;
            switch (verdict)
            {
                case HealthVerdict.Serving:
                    endpoint.HealthStreak = Math.Max(endpoint.HealthStreak, 0) + 1;
                    if (before == EndpointHealth.Unknown || endpoint.HealthStreak >= Settings.HealthyThreshold)
                    {
                        endpoint.Health = EndpointHealth.Healthy;
                    }

                    break;
                case HealthVerdict.NotServing:
                    // The endpoint said so itself: no threshold to wait for.
                    endpoint.HealthStreak = 0;
                    endpoint.Health = EndpointHealth.Unhealthy;
                    break;
                default:
                    endpoint.HealthStreak = Math.Min(endpoint.HealthStreak, 0) - 1;
                    if (-endpoint.HealthStreak >= Settings.UnhealthyThreshold)
                    {
                        endpoint.Health = EndpointHealth.Unhealthy;
                    }

                    break;
            }

            after = endpoint.Health;
            if (after != before)
            {
                RebuildLocked();
            }
        }

        if (after != before)
        {
            LogHealthChanged(logger, Name, endpoint.Key.ToString(), before, after, detail ?? "SERVING");
        }
    }

    private enum HealthVerdict
    {
        Serving,
        NotServing,
        Failed,
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster}: endpoint {Endpoint} went from {Before} to {After} ({Detail})")]
    private static partial void LogHealthChanged(ILogger logger, string cluster, string endpoint, EndpointHealth before, EndpointHealth after, string detail);
}
