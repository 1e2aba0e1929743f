using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Strait.Errors;

namespace Strait.Resilience;

/// <summary>
/// The caps every stream (REST NDJSON/SSE, client streaming, WebSocket, streaming gRPC and grpc-web calls) is held
/// to: how many are open at once overall and per client, how long one may live, and how long it may stay silent.
/// Counted for the gateway's lifetime: a schema swap does not reset them.
/// </summary>
internal sealed class StreamLimits
{
    private readonly ConcurrentDictionary<string, int> perClient = new(StringComparer.Ordinal);
    private int open;

    internal StreamLimits(int maxStreams, int? maxStreamsPerClient, ClientPartition clients, TimeSpan? maxLifetime, TimeSpan? idleTimeout, TimeSpan requestBodyIdleTimeout)
    {
        RequestBodyIdleTimeout = requestBodyIdleTimeout;
        MaxStreams = maxStreams;
        MaxStreamsPerClient = maxStreamsPerClient;
        Clients = clients;
        MaxLifetime = maxLifetime;
        IdleTimeout = idleTimeout;
    }

    public int MaxStreams { get; }

    public int? MaxStreamsPerClient { get; }

    internal ClientPartition Clients { get; }

    public TimeSpan? MaxLifetime { get; }

    public TimeSpan? IdleTimeout { get; }

    /// <summary>How long a streamed REST request body may send no byte.</summary>
    public TimeSpan RequestBodyIdleTimeout { get; }

    /// <summary>Streams open now, for the admin view and tests.</summary>
    public int Open => Volatile.Read(ref open);

    /// <returns>The client's key to pass to <see cref="Exit"/>, or the problem refusing the stream.</returns>
    public (string? Client, Problem? Refusal) TryEnter(HttpContext context)
    {
        if (Interlocked.Increment(ref open) > MaxStreams)
        {
            Interlocked.Decrement(ref open);
            return (null, Problems.TooManyStreams(MaxStreams, perClient: false));
        }

        if (MaxStreamsPerClient is not { } cap)
        {
            return (string.Empty, null);
        }

        var client = Clients.Of(context);
        var count = perClient.AddOrUpdate(client, 1, static (_, n) => n + 1);
        if (count > cap)
        {
            Exit(client);
            return (null, Problems.TooManyStreams(cap, perClient: true));
        }

        return (client, null);
    }

    public void Exit(string client)
    {
        Interlocked.Decrement(ref open);
        if (client.Length == 0 && MaxStreamsPerClient is null)
        {
            return;
        }

        // Remove the entry at zero, so that clients that come and go do not grow the table.
        while (true)
        {
            var count = perClient.GetValueOrDefault(client);
            if (count <= 1)
            {
                if (perClient.TryRemove(KeyValuePair.Create(client, count)) || count == 0)
                {
                    return;
                }
            }
            else if (perClient.TryUpdate(client, count - 1, count))
            {
                return;
            }
        }
    }
}
