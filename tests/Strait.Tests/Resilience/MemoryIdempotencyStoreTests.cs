using Strait.Resilience.Idempotency;

namespace Strait.Tests.Resilience;

public sealed class MemoryIdempotencyStoreTests
{
    private static readonly byte[] Print = [1, 2, 3];
    private static readonly StoredResponse Answer = new(201, [KeyValuePair.Create("Location", "/v1/tasks/1")], [42]);

    [Fact]
    public async Task A_key_is_begun_once_in_flight_for_repeats_then_replayed_and_refused_for_another_request()
    {
        await using var store = new MemoryIdempotencyStore(100);
        var claim = await Begin(store, "k", Print);
        Assert.Equal(IdempotencyClaimState.Begun, claim.State);
        Assert.Equal(IdempotencyClaimState.InFlight, (await Begin(store, "k", Print)).State);

        await store.CompleteAsync("k", claim.Token, Answer, TimeSpan.FromHours(1), default);

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
        var first = await Begin(store, "k", Print);
        await store.AbandonAsync("k", first.Token, default);
        var second = await Begin(store, "k", Print);
        Assert.Equal(IdempotencyClaimState.Begun, second.State);

        await store.CompleteAsync("k", second.Token, Answer, TimeSpan.FromMinutes(10), default);
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(IdempotencyClaimState.Completed, (await Begin(store, "k", Print)).State);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(IdempotencyClaimState.Begun, (await Begin(store, "k", [9])).State);
    }

    [Fact]
    public async Task A_lapsed_claim_is_taken_over_and_its_late_owner_can_neither_complete_nor_release_the_new_one()
    {
        var time = new ManualTime();
        await using var store = new MemoryIdempotencyStore(100, time);
        var late = await Begin(store, "k", Print);
        time.Advance(TimeSpan.FromSeconds(31));
        var current = await Begin(store, "k", Print);
        Assert.Equal(IdempotencyClaimState.Begun, current.State);

        await store.AbandonAsync("k", late.Token, default);
        await store.CompleteAsync("k", late.Token, Answer, TimeSpan.FromHours(1), default);
        Assert.Equal(IdempotencyClaimState.InFlight, (await Begin(store, "k", Print)).State);

        var own = new StoredResponse(200, [], [7]);
        await store.CompleteAsync("k", current.Token, own, TimeSpan.FromHours(1), default);
        Assert.Same(own, (await Begin(store, "k", Print)).Response);
    }

    [Fact]
    public async Task The_oldest_answers_go_first_beyond_max_entries_but_running_claims_stay()
    {
        await using var store = new MemoryIdempotencyStore(3);
        var running = await Begin(store, "running", Print);
        foreach (var key in new[] { "a", "b", "c" })
        {
            var claim = await Begin(store, key, Print);
            await store.CompleteAsync(key, claim.Token, Answer, TimeSpan.FromHours(1), default);
        }

        Assert.Equal(3, store.Count);
        Assert.Equal(IdempotencyClaimState.InFlight, (await Begin(store, "running", Print)).State);
        Assert.Equal(IdempotencyClaimState.Begun, (await Begin(store, "a", Print)).State);
        Assert.Equal(IdempotencyClaimState.Completed, (await Begin(store, "c", Print)).State);
        await store.AbandonAsync("running", running.Token, default);
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
