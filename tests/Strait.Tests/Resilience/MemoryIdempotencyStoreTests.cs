using Strait.Resilience.Idempotency;
using Strait.Tests.Upstream;

namespace Strait.Tests.Resilience;

public sealed class MemoryIdempotencyStoreTests
{
    private static readonly byte[] Print = [1, 2, 3];
    private static readonly StoredResponse Answer = new(201, [KeyValuePair.Create("Location", "/v1/tasks/1")], [42]);

    [Fact]
    public async Task A_key_is_begun_once_in_flight_for_repeats_then_replayed_and_refused_for_another_request()
    {
        await using var store = new MemoryIdempotencyStore(100);
        Assert.Equal(IdempotencyClaimState.Begun, (await Begin(store, "k", Print)).State);
        Assert.Equal(IdempotencyClaimState.InFlight, (await Begin(store, "k", Print)).State);

        await store.CompleteAsync("k", Answer, TimeSpan.FromHours(1), default);

        var replay = await Begin(store, "k", Print);
        Assert.Equal(IdempotencyClaimState.Completed, replay.State);
        Assert.Same(Answer, replay.Response);
        Assert.Equal(IdempotencyClaimState.Mismatch, (await Begin(store, "k", [9])).State);
    }

    [Fact]
    public async Task An_abandoned_key_runs_again_and_an_answer_expires_after_its_ttl()
    {
        var time = new ManualTime();
        await using var store = new MemoryIdempotencyStore(100, time);
        await Begin(store, "k", Print);
        await store.AbandonAsync("k", default);
        Assert.Equal(IdempotencyClaimState.Begun, (await Begin(store, "k", Print)).State);

        await store.CompleteAsync("k", Answer, TimeSpan.FromMinutes(10), default);
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(IdempotencyClaimState.Completed, (await Begin(store, "k", Print)).State);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(IdempotencyClaimState.Begun, (await Begin(store, "k", [9])).State);
    }

    [Fact]
    public async Task A_claim_whose_lease_lapsed_can_be_taken_over()
    {
        var time = new ManualTime();
        await using var store = new MemoryIdempotencyStore(100, time);
        await Begin(store, "k", Print);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(IdempotencyClaimState.Begun, (await Begin(store, "k", Print)).State);
    }

    [Fact]
    public async Task The_oldest_keys_go_first_beyond_max_entries()
    {
        await using var store = new MemoryIdempotencyStore(3);
        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            await Begin(store, key, Print);
            await store.CompleteAsync(key, Answer, TimeSpan.FromHours(1), default);
        }

        Assert.Equal(3, store.Count);
        Assert.Equal(IdempotencyClaimState.Begun, (await Begin(store, "a", Print)).State);
        Assert.Equal(IdempotencyClaimState.Completed, (await Begin(store, "d", Print)).State);
    }

    [Fact]
    public void Stored_headers_survive_their_binary_form()
    {
        var headers = Answer.SerializeHeaders();
        Assert.Equal(Answer.Headers, StoredResponse.DeserializeHeaders(headers));
    }

    private static ValueTask<IdempotencyClaim> Begin(MemoryIdempotencyStore store, string key, byte[] fingerprint) =>
        store.TryBeginAsync(key, fingerprint, TimeSpan.FromSeconds(30), default);
}
