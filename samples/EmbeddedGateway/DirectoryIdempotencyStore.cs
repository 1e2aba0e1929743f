using System.Text.Json;
using Strait.Resilience.Idempotency;

namespace Strait.Samples.EmbeddedGateway;

/// <summary>
/// Keeps Idempotency-Key answers as one file per key in a directory, so that they outlive the process: a client
/// repeating a request after the gateway restarted (a deploy, a crash) still gets the first answer, without the
/// PostgreSQL server the built-in shared store needs (the built-in memory store forgets on restart).
/// </summary>
/// <remarks>
/// For one gateway process per directory: one lock makes each claim atomic within the process, and nothing makes it
/// atomic across processes. Files are replaced whole (written beside, then renamed), so a gateway that dies while
/// writing never leaves half an answer. An expired file is replaced when its key comes again; files of keys never seen
/// again stay until something else removes them (a daily <c>find DIR -mtime +1 -delete</c>, for answers kept a day).
/// </remarks>
internal sealed class DirectoryIdempotencyStore : IIdempotencyStore
{
    private readonly string directory;
    private readonly SemaphoreSlim gate = new(1, 1);

    public DirectoryIdempotencyStore(string directory)
    {
        this.directory = Directory.CreateDirectory(directory).FullName;
    }

    public async ValueTask<IdempotencyClaim> TryBeginAsync(string key, byte[] fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await ReadAsync(key, cancellationToken) is { } entry && entry.ExpiresAt > DateTimeOffset.UtcNow)
            {
                if (!entry.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    return new IdempotencyClaim(IdempotencyClaimState.Mismatch);
                }

                return entry.Response is { } response
                    ? new IdempotencyClaim(IdempotencyClaimState.Completed, response)
                    : new IdempotencyClaim(IdempotencyClaimState.InFlight);
            }

            // Free, expired, or a claim whose lease lapsed (its gateway died mid-call): this request's now.
            var token = Guid.NewGuid();
            await WriteAsync(key, new Entry(fingerprint, token, DateTimeOffset.UtcNow + lease, Response: null), cancellationToken);
            return new IdempotencyClaim(IdempotencyClaimState.Begun, Token: token);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask CompleteAsync(string key, Guid claim, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await ReadAsync(key, cancellationToken) is { Response: null } entry && entry.Token == claim)
            {
                await WriteAsync(key, entry with { ExpiresAt = DateTimeOffset.UtcNow + ttl, Response = response }, cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask AbandonAsync(string key, Guid claim, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await ReadAsync(key, cancellationToken) is { Response: null } entry && entry.Token == claim)
            {
                File.Delete(PathOf(key));
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        gate.Dispose();
        return ValueTask.CompletedTask;
    }

    // The gateway's keys are hex digests (IIdempotencyStore.TryBeginAsync), so a key is a safe file name; checked
    // anyway, since a path built from anything else could leave the directory.
    private string PathOf(string key) =>
        key.Length > 0 && key.All(char.IsAsciiHexDigit)
            ? Path.Combine(directory, key + ".json")
            : throw new ArgumentException("an idempotency key must be hexadecimal", nameof(key));

    private async Task<Entry?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = File.OpenRead(PathOf(key));
            return await JsonSerializer.DeserializeAsync<Entry>(file, cancellationToken: cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private async Task WriteAsync(string key, Entry entry, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        await using (var file = File.Create(path + ".tmp"))
        {
            await JsonSerializer.SerializeAsync(file, entry, cancellationToken: cancellationToken);
        }

        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <param name="ExpiresAt">The claim's lease while <paramref name="Response"/> is null, then the answer's time to live.</param>
    private sealed record Entry(byte[] Fingerprint, Guid Token, DateTimeOffset ExpiresAt, StoredResponse? Response);
}
