namespace Strait.Resilience.Idempotency;

/// <summary>
/// Keeps the answers of requests sent with an Idempotency-Key, so that a repeat gets the first answer instead of a
/// second execution. A key is claimed before the call (<see cref="TryBeginAsync"/>) and either completed with the
/// answer or abandoned, so that concurrent repeats see it in flight. Implementations are shared by every request.
/// </summary>
internal interface IIdempotencyStore : IAsyncDisposable
{
    /// <summary>Claims <paramref name="key"/> for a request with <paramref name="fingerprint"/>, or reports what holds it.</summary>
    /// <param name="lease">How long an unfinished claim holds the key, so that a crashed gateway does not hold it forever.</param>
    ValueTask<IdempotencyClaim> TryBeginAsync(string key, byte[] fingerprint, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Stores the answer of a claimed key for <paramref name="ttl"/>; nothing when the claim was lost (its lease lapsed and another took it).</summary>
    ValueTask CompleteAsync(string key, Guid claim, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Releases a claimed key without an answer, so that a repeat executes afresh; nothing when the claim was lost.</summary>
    ValueTask AbandonAsync(string key, Guid claim, CancellationToken cancellationToken);
}

internal enum IdempotencyClaimState
{
    /// <summary>The key is this request's: call the backend, then complete or abandon.</summary>
    Begun,

    /// <summary>An answer is stored for the key and the same request: replay it.</summary>
    Completed,

    /// <summary>The key is used by a request with a different method, path or body.</summary>
    Mismatch,

    /// <summary>A request with the key is running now.</summary>
    InFlight,
}

/// <param name="Token">For <see cref="IdempotencyClaimState.Begun"/>: identifies this claim to complete or abandon it.</param>
internal readonly record struct IdempotencyClaim(IdempotencyClaimState State, StoredResponse? Response = null, Guid Token = default);

/// <summary>An answer as sent: status, the headers worth replaying, and the body.</summary>
internal sealed record StoredResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>A compact binary form for stores that keep bytes: status, header count, then length-prefixed UTF-8 strings.</summary>
    public byte[] SerializeHeaders()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8);
        writer.Write(Headers.Count);
        foreach (var (name, value) in Headers)
        {
            writer.Write(name);
            writer.Write(value);
        }

        writer.Flush();
        return stream.ToArray();
    }

    public static IReadOnlyList<KeyValuePair<string, string>> DeserializeHeaders(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data), System.Text.Encoding.UTF8);
        var count = reader.ReadInt32();
        var headers = new List<KeyValuePair<string, string>>(count);
        for (var i = 0; i < count; i++)
        {
            headers.Add(KeyValuePair.Create(reader.ReadString(), reader.ReadString()));
        }

        return headers;
    }
}
