namespace Strait.Resilience.Idempotency;

/// <summary>
/// The store of one gateway process: answers are lost on restart and not seen by other replicas. Bounded: beyond
/// <c>maxEntries</c> the oldest keys are dropped first; expired ones are dropped as new keys arrive.
/// </summary>
internal sealed class MemoryIdempotencyStore : IIdempotencyStore
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
            var token = Guid.NewGuid();
            entries[key] = new Entry(fingerprint, now + lease, node, token);
            return ValueTask.FromResult(new IdempotencyClaim(IdempotencyClaimState.Begun, Token: token));
        }
    }

    public ValueTask CompleteAsync(string key, Guid claim, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry) && entry.Token == claim && entry.Response is null)
            {
                entry.Response = response;
                entry.ExpiresAt = time.GetUtcNow() + ttl;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask AbandonAsync(string key, Guid claim, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry) && entry.Token == claim && entry.Response is null)
            {
                Remove(key, entry);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Drops expired keys from the front (keys arrive in order, so they are mostly there), then the oldest answers
    /// until there is room. Claims still running are never dropped: that would let a repeat run next to them. They
    /// are bounded by the calls in flight, so the store may exceed <c>maxEntries</c> by that many.
    /// </summary>
    private void DropExpiredAndOldest(DateTimeOffset now)
    {
        while (order.First is { } first && entries[first.Value].ExpiresAt <= now)
        {
            Remove(first.Value, entries[first.Value]);
        }

        for (var node = order.First; node is not null && entries.Count >= maxEntries;)
        {
            var next = node.Next;
            var entry = entries[node.Value];
            if (entry.Response is not null || entry.ExpiresAt <= now)
            {
                Remove(node.Value, entry);
            }

            node = next;
        }
    }

    private void Remove(string key, Entry entry)
    {
        entries.Remove(key);
        order.Remove(entry.Node);
    }

    private sealed class Entry(byte[] fingerprint, DateTimeOffset expiresAt, LinkedListNode<string> node, Guid token)
    {
        public Guid Token { get; } = token;

        public byte[] Fingerprint { get; } = fingerprint;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

        public LinkedListNode<string> Node { get; } = node;

        public StoredResponse? Response { get; set; }
    }
}
