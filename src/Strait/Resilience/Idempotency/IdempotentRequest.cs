using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Strait.Errors;
using Strait.Wire;

namespace Strait.Resilience.Idempotency;

/// <summary>
/// Idempotency-Key replay for one request: claims the key before the backend is called, replays a stored answer,
/// refuses the key's reuse for another request (422) or while it is in flight (409), and once the answer is sent
/// stores it, or releases the key when the answer says nothing final (5xx, 429, 408, 409: a repeat may run again).
/// </summary>
internal sealed class IdempotentRequest
{
    public const string KeyHeader = "Idempotency-Key";

    /// <summary>The metadata key the client's Idempotency-Key is forwarded under, for the backend to recognise repeats.</summary>
    public const string KeyMetadata = "idempotency-key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    private const int MaxKeyLength = 255;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan LeaseSlack = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StoreTimeoutFloor = TimeSpan.FromSeconds(1);

    // Hop-by-hop, per-response and per-request headers: a replay gets its own.
    private static readonly HashSet<string> NotReplayed = new(StringComparer.OrdinalIgnoreCase)
    {
        "Date", "Server", "Transfer-Encoding", "Content-Length", "Connection", "Keep-Alive", "Trailer", "Retry-After",
        "X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
    };

    private readonly IIdempotencyStore store;
    private readonly ReplayPolicy policy;
    private readonly string storeKey;
    private readonly Guid claim;
    private readonly ResponseCapture capture;

    private IdempotentRequest(IIdempotencyStore store, ReplayPolicy policy, string storeKey, Guid claim, ResponseCapture capture)
    {
        this.store = store;
        this.policy = policy;
        this.storeKey = storeKey;
        this.claim = claim;
        this.capture = capture;
    }

    /// <summary>
    /// Reads and checks the request's Idempotency-Key (null when it has none) and forwards it as
    /// <see cref="KeyMetadata"/> unless a header rule already did: Strait sends a keyed request again on the key's
    /// strength, so the backend must be able to tell the attempts are one request.
    /// </summary>
    /// <returns>A 400 problem for a malformed key.</returns>
    public static Problem? ReadKey(HttpRequest request, GrpcMetadata metadata, out string? key)
    {
        key = null;
        if (!request.Headers.TryGetValue(KeyHeader, out var values))
        {
            return null;
        }

        if (values.Count != 1 || values[0] is not { Length: > 0 and <= MaxKeyLength } text || !GrpcMetadata.IsValidTextValue(text))
        {
            return Problems.InvalidHeader(KeyHeader, $"{KeyHeader} must be one value of 1 to {MaxKeyLength} printable ASCII characters.");
        }

        key = text;
        if (!metadata.ContainsKey(KeyMetadata))
        {
            metadata.Add(KeyMetadata, text);
        }

        return null;
    }

    /// <summary>
    /// Starts replay handling for a request that carries an Idempotency-Key on a route that replays. Returns the
    /// request to finish with <see cref="FinishAsync"/> once the answer is written; or null with
    /// <c>Problem</c> set (a problem to answer) or not (the stored answer was replayed).
    /// </summary>
    public static async Task<(IdempotentRequest? Request, Problem? Problem)> BeginAsync(
        HttpContext context,
        IIdempotencyStore store,
        ReplayPolicy policy,
        string key,
        string routeKey,
        string grpcPath,
        ReadOnlyMemory<byte> message,
        DateTime deadlineUtc,
        int maxStoredResponse)
    {
        var storeKey = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(routeKey + "\n" + policy.Scope.Of(context) + "\n" + key)));
        var fingerprint = Fingerprint(grpcPath, message.Span);
        var lease = (deadlineUtc - DateTime.UtcNow) + LeaseSlack;
        var waitUntil = DateTime.UtcNow + policy.WaitForInFlight;
        while (true)
        {
            IdempotencyClaim claim;
            try
            {
                // Bounded by the call's deadline, not by the client: a claim taken as the client leaves must be known
                // (and released below), not lost in a cancelled statement.
                using var bounded = new CancellationTokenSource(Max(deadlineUtc - DateTime.UtcNow, StoreTimeoutFloor));
                claim = await store.TryBeginAsync(storeKey, fingerprint, lease, bounded.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Without the store the request could run twice: refuse it rather than risk that.
                return (null, Problems.IdempotencyStoreUnavailable());
            }

            switch (claim.State)
            {
                case IdempotencyClaimState.Begun when context.RequestAborted.IsCancellationRequested:
                    await store.AbandonAsync(storeKey, claim.Token, CancellationToken.None).ConfigureAwait(false);
                    return (null, null);
                case IdempotencyClaimState.Begun:
                    var capture = new ResponseCapture(context.Response.Body, maxStoredResponse);
                    context.Response.Body = capture;
                    return (new IdempotentRequest(store, policy, storeKey, claim.Token, capture), null);
                case IdempotencyClaimState.Completed:
                    await ReplayAsync(context, claim.Response!).ConfigureAwait(false);
                    return (null, null);
                case IdempotencyClaimState.Mismatch:
                    return (null, Problems.IdempotencyKeyReused(KeyHeader));
            }

            if (DateTime.UtcNow + PollInterval > waitUntil)
            {
                return (null, Problems.IdempotencyKeyInFlight(KeyHeader, policy.WaitForInFlight));
            }

            await Task.Delay(PollInterval, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Stores the answer just sent, or releases the key when the answer is not final or was not sent whole.</summary>
    /// <returns>The store's failure, for the log: the answer reached the client, so a failure only means a repeat runs again.</returns>
    public async Task<Exception?> FinishAsync(HttpContext context)
    {
        try
        {
            // Problem bodies are written through the body's PipeWriter: push what it buffers through the capture.
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }

        var status = context.Response.StatusCode;
        var final = !context.RequestAborted.IsCancellationRequested
            && !capture.Overflowed
            && status is >= 200 and < 500 and not (408 or 409 or 425 or 429);
        try
        {
            if (!final)
            {
                await store.AbandonAsync(storeKey, claim, CancellationToken.None).ConfigureAwait(false);
                return null;
            }

            var headers = new List<KeyValuePair<string, string>>();
            foreach (var (name, values) in context.Response.Headers)
            {
                if (!NotReplayed.Contains(name))
                {
                    headers.Add(KeyValuePair.Create(name, values.ToString()));
                }
            }

            await store.CompleteAsync(storeKey, claim, new StoredResponse(status, headers, capture.ToArray()), policy.Ttl, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return e;
        }
        finally
        {
            context.Response.Body = capture.Inner;
        }
    }

    private static async Task ReplayAsync(HttpContext context, StoredResponse response)
    {
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.Headers[ReplayedHeader] = "true";
        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static byte[] Fingerprint(string grpcPath, ReadOnlySpan<byte> message)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(grpcPath + "\n"));
        hash.AppendData(message);
        return hash.GetHashAndReset();
    }
}
