namespace Strait.Resilience.Idempotency;

/// <summary>
/// The store of one gateway process: answers are lost on restart and not seen by other replicas. Bounded: beyond
/// <c>maxEntries</c> the oldest keys are dropped first; expired ones are dropped as new keys arrive.
/// </summary>
public sealed class MemoryIdempotencyStore : IIdempotencyStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly LinkedList<string> order = new();
    private readonly int maxEntries;
    private readonly TimeProvider time;

    public MemoryIdempotencyStore(int maxEntries, TimeProvider? time = null)
    {
        this.maxEntries = maxEntries;
        this.time = time ?? TimeProvider.System;
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    public ValueTask<IdempotencyClaim> TryBeginAsync(string key, byte[] fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
            {
                if (!entry.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    return ValueTask.FromResult(new IdempotencyClaim(IdempotencyClaimState.Mismatch));
                }

                return ValueTask.FromResult(entry.Response is { } response
                    ? new IdempotencyClaim(IdempotencyClaimState.Completed, response)
                    : new IdempotencyClaim(IdempotencyClaimState.InFlight));
            }

            if (entry is not null)
            {
                Remove(key, entry);
            }

            DropExpiredAndOldest(now);
            var node = order.AddLast(key);
            entries[key] = new Entry(fingerprint, now + lease, node);
            return ValueTask.FromResult(new IdempotencyClaim(IdempotencyClaimState.Begun));
        }
    }

    public ValueTask CompleteAsync(string key, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry))
            {
                entry.Response = response;
                entry.ExpiresAt = time.GetUtcNow() + ttl;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask AbandonAsync(string key, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry) && entry.Response is null)
            {
                Remove(key, entry);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void DropExpiredAndOldest(DateTimeOffset now)
    {
        // Keys arrive in order, so expired ones are mostly at the front; a long-lived key there stops the sweep early.
        while (order.First is { } first && (entries.Count >= maxEntries || entries[first.Value].ExpiresAt <= now))
        {
            Remove(first.Value, entries[first.Value]);
        }
    }

    private void Remove(string key, Entry entry)
    {
        entries.Remove(key);
        order.Remove(entry.Node);
    }

    private sealed class Entry(byte[] fingerprint, DateTimeOffset expiresAt, LinkedListNode<string> node)
    {
        public byte[] Fingerprint { get; } = fingerprint;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

        public LinkedListNode<string> Node { get; } = node;

        public StoredResponse? Response { get; set; }
    }
}
