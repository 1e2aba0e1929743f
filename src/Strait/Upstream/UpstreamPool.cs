using Strait.Wire;

namespace Strait.Upstream;

/// <summary>
/// The backend's replicas, one <see cref="GrpcClient"/> (and so one connection pool) each, chosen round robin
/// per call. Clusters with discovery, health and balancing policies replace this in the upstream design.
/// </summary>
public sealed class UpstreamPool : IDisposable
{
    private readonly GrpcClient[] clients;
    private uint next;

    public UpstreamPool(IReadOnlyList<Uri> addresses, GrpcClientOptions options)
    {
        clients = new GrpcClient[addresses.Count];
        for (var i = 0; i < clients.Length; i++)
        {
            clients[i] = new GrpcClient(addresses[i], options);
        }
    }

    public IReadOnlyList<Uri> Addresses => [.. clients.Select(c => c.Address)];

    public bool IsEmpty => clients.Length == 0;

    public GrpcClient Next()
    {
        var index = Interlocked.Increment(ref next) - 1;
        return clients[index % (uint)clients.Length];
    }

    public void Dispose()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
