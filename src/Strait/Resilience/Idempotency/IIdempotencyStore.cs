namespace Strait.Resilience.Idempotency;

/// <summary>
/// Keeps the answers of requests sent with an Idempotency-Key, so that a repeat gets the first answer instead of a
/// second execution. A key is claimed before the call (<see cref="TryBeginAsync"/>) and either completed with the
/// answer or abandoned, so that concurrent repeats see it in flight. Implementations are shared by every request.
/// </summary>
/// <remarks>
/// An extension point: <c>resilience.idempotencyStore</c> configures a built-in store (memory or PostgreSQL), and an
/// embedder can give its own through <see cref="Hosting.StraitGatewayOptions.IdempotencyStore"/>. Every method may
/// be called concurrently, for the same key too; a claim must be atomic, or two repeats can both run. When
/// <see cref="TryBeginAsync"/> throws, the gateway refuses the request (503) rather than risk running it twice; when
/// <see cref="CompleteAsync"/> or <see cref="AbandonAsync"/> throws, the failure is logged (the answer has reached the
/// client already, so a repeat runs again).
/// </remarks>
public interface IIdempotencyStore : IAsyncDisposable
{
    /// <summary>Claims <paramref name="key"/> for a request with <paramref name="fingerprint"/>, or reports what holds it.</summary>
    /// <param name="key">Derived by the gateway from the route, the caller's scope and the client's key: 64 hexadecimal
    /// characters, safe as a file name or a database key. The client's own text never reaches the store.</param>
    /// <param name="fingerprint">A hash of the method and request message: a repeat with another fingerprint is a <see cref="IdempotencyClaimState.Mismatch"/>.</param>
    /// <param name="lease">How long an unfinished claim holds the key, so that a crashed gateway does not hold it forever.</param>
    /// <param name="cancellationToken">Bounded by the call's deadline.</param>
    /// <returns><see cref="IdempotencyClaimState.Begun"/> with a new <see cref="IdempotencyClaim.Token"/> when the key is
    /// free, expired, or its claim's lease lapsed; else what holds it.</returns>
    ValueTask<IdempotencyClaim> TryBeginAsync(string key, byte[] fingerprint, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Stores the answer of a claimed key for <paramref name="ttl"/>; nothing when the claim was lost (its lease lapsed and another took it).</summary>
    /// <param name="key">The key <see cref="TryBeginAsync"/> was given.</param>
    /// <param name="claim">The <see cref="IdempotencyClaim.Token"/> of the claim being completed.</param>
    /// <param name="response">The answer as sent to the client.</param>
    /// <param name="ttl">How long the answer is replayed (<c>idempotency.ttl</c> of the route's policy).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask CompleteAsync(string key, Guid claim, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Releases a claimed key without an answer, so that a repeat executes afresh; nothing when the claim was lost.</summary>
    /// <param name="key">The key <see cref="TryBeginAsync"/> was given.</param>
    /// <param name="claim">The <see cref="IdempotencyClaim.Token"/> of the claim being released.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    ValueTask AbandonAsync(string key, Guid claim, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IIdempotencyStore.TryBeginAsync"/> found for a key.</summary>
public enum IdempotencyClaimState
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

/// <summary>The answer of <see cref="IIdempotencyStore.TryBeginAsync"/>.</summary>
/// <param name="State">What holds the key.</param>
/// <param name="Response">For <see cref="IdempotencyClaimState.Completed"/>: the stored answer to replay.</param>
/// <param name="Token">For <see cref="IdempotencyClaimState.Begun"/>: identifies this claim to complete or abandon it.</param>
public readonly record struct IdempotencyClaim(IdempotencyClaimState State, StoredResponse? Response = null, Guid Token = default);

/// <summary>An answer as sent: status, the headers worth replaying, and the body.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Headers">The response headers a replay sends again (per-response ones such as <c>Date</c> are left out).</param>
/// <param name="Body">The response body, whole.</param>
public sealed record StoredResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>
    /// <see cref="Headers"/> in a compact binary form, for stores that keep bytes: the header count, then each name and
    /// value as a length-prefixed UTF-8 string. <see cref="DeserializeHeaders"/> reads it back.
    /// </summary>
    /// <returns>The encoded headers.</returns>
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

    /// <summary>Reads headers written by <see cref="SerializeHeaders"/>.</summary>
    /// <param name="data">What <see cref="SerializeHeaders"/> returned.</param>
    /// <returns>The headers, in their original order.</returns>
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
