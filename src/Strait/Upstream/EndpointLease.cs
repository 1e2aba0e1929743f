using Strait.Wire;

namespace Strait.Upstream;

/// <summary>
/// One call's claim on an endpoint: counted in flight from the pick until <see cref="Complete"/>, which reports the
/// outcome to balancing and outlier detection. Complete exactly once.
/// </summary>
internal readonly struct EndpointLease
{
    private readonly UpstreamCluster cluster;

    internal EndpointLease(UpstreamCluster cluster, UpstreamEndpoint endpoint, bool isProbe)
    {
        this.cluster = cluster;
        Endpoint = endpoint;
        IsProbe = isProbe;
    }

    public UpstreamEndpoint Endpoint { get; }

    /// <summary>The call tests a half-open endpoint: its outcome closes the circuit or ejects the endpoint again.</summary>
    public bool IsProbe { get; }

    public GrpcClient Client => Endpoint.Client;

    public void Complete(GrpcStatus status) => cluster.Complete(Endpoint, status, IsProbe);

    /// <summary>Makes a unary call on the endpoint and completes the lease with its outcome.</summary>
    public async Task<UnaryResult> InvokeUnaryAsync(
        string method,
        ReadOnlyMemory<byte> requestMessage,
        GrpcMetadata? headers,
        DateTime? deadlineUtc,
        CancellationToken cancellationToken,
        int previousAttempts = 0)
    {
        UnaryResult result;
        try
        {
            result = await Client.InvokeUnaryAsync(method, requestMessage, headers, deadlineUtc, cancellationToken, previousAttempts).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The endpoint was closed under the call (its drain timed out, or the gateway is stopping).
            var closed = new GrpcStatus(GrpcStatusCode.Unavailable, "The endpoint was closed.", origin: StatusOrigin.Transport);
            Abandon();
            return new UnaryResult(closed, new GrpcMetadata(), new GrpcMetadata());
        }
        catch
        {
            Abandon();
            throw;
        }

        Complete(result.Status);
        return result;
    }

    /// <summary>Ends a call that never got a status (an exception on the way), without judging the endpoint.</summary>
    public void Abandon() => cluster.Abandon(Endpoint, IsProbe);
}
