using System.Net;
using System.Text;
using Strait.Configuration;
using Strait.Hosting;
using Strait.Resilience.Idempotency;

namespace Strait.Tests.Hosting;

/// <summary>The public facade: what an embedder gives <see cref="StraitGateway.StartAsync"/> and what it gets back.</summary>
public sealed class StraitGatewayTests
{
    // Three sections at fault, one of them a header rule naming a transform the built-ins lack.
    private static readonly Dictionary<string, string?> Broken = new(StringComparer.OrdinalIgnoreCase)
    {
        ["backend:addresses:0"] = "127.0.0.1:1",
        ["backend:reflection"] = "true",
        ["backend:lbPolicy"] = "fastest",
        ["errors:format"] = "xml",
        ["headers:rules:0:httpHeader"] = "X-User-Id",
        ["headers:rules:0:transforms:0"] = "sha256",
    };

    [Fact]
    public async Task Every_configuration_error_reaches_the_embedder_at_once_in_the_public_exception()
    {
        var error = await Assert.ThrowsAsync<StraitConfigurationException>(() =>
            StraitGateway.StartAsync(new StraitGatewayOptions { Overrides = Broken }, CancellationToken.None));

        var errors = error.Errors.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Equal("backend.lbPolicy: 'fastest' is not a policy; use least_request, round_robin, random, weighted, ring_hash or pick_first", errors[0]);
        Assert.Equal("errors.format: is 'xml'; use 'problem' or 'google-rpc-status'", errors[1]);
        Assert.StartsWith("headers.rules[0].transforms[0]: unknown transform 'sha256'", errors[2], StringComparison.Ordinal);
        Assert.Equal(string.Join(Environment.NewLine, error.Errors), error.Message);
    }

    [Fact]
    public async Task Header_rules_can_name_a_transform_the_embedder_registered()
    {
        var error = await Assert.ThrowsAsync<StraitConfigurationException>(() => StraitGateway.StartAsync(
            new StraitGatewayOptions { Overrides = Broken, ConfigureTransforms = transforms => transforms.RegisterSimple("sha256", v => v) },
            CancellationToken.None));

        Assert.DoesNotContain(error.Errors, e => e.StartsWith("headers.", StringComparison.Ordinal));
        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public async Task A_given_idempotency_store_keeps_the_answers_and_is_left_to_its_owner_to_dispose()
    {
        await using var backend = await TaskServiceReplica.StartAsync();
        var store = new RecordingStore();
        var gateway = await StraitGateway.StartAsync(
            new StraitGatewayOptions
            {
                Overrides = new Dictionary<string, string?>
                {
                    ["Listen"] = "http://127.0.0.1:0",
                    ["Backend:Addresses:0"] = backend.Address,
                    ["Schema:DescriptorSets:0"] = TestSchemas.Todo,
                    ["Resilience:Policies:creates:Routes:0"] = "POST /v1/tasks",
                    ["Resilience:Policies:creates:Idempotency:Ttl"] = "01:00:00",
                },
                IdempotencyStore = store,
            },
            CancellationToken.None);
        await using (gateway)
        {
            using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls[0]) };
            using var first = await http.SendAsync(KeyedCreate());
            using var repeat = await http.SendAsync(KeyedCreate());

            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
            Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
            // The repeat may find the first still being stored (in flight), and ask again.
            Assert.Single(store.Claims, IdempotencyClaimState.Begun);
            Assert.Equal(IdempotencyClaimState.Completed, store.Claims.Last());
        }

        Assert.False(store.Disposed);
        Assert.Single(backend.Lines("CALL CreateTask"));
    }

    private static HttpRequestMessage KeyedCreate() => new(HttpMethod.Post, "/v1/tasks")
    {
        Content = new StringContent("""{"task":{"title":"once"}}""", Encoding.UTF8, "application/json"),
        Headers = { { "Idempotency-Key", "k1" } },
    };

    /// <summary>The memory store, with the claims it answered and whether it was disposed written down.</summary>
    private sealed class RecordingStore : IIdempotencyStore
    {
        private readonly MemoryIdempotencyStore inner = new(100);

        public List<IdempotencyClaimState> Claims { get; } = [];

        public bool Disposed { get; private set; }

        public async ValueTask<IdempotencyClaim> TryBeginAsync(string key, byte[] fingerprint, TimeSpan lease, CancellationToken cancellationToken)
        {
            var claim = await inner.TryBeginAsync(key, fingerprint, lease, cancellationToken);
            lock (Claims)
            {
                Claims.Add(claim.State);
            }

            return claim;
        }

        public ValueTask CompleteAsync(string key, Guid claim, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken) =>
            inner.CompleteAsync(key, claim, response, ttl, cancellationToken);

        public ValueTask AbandonAsync(string key, Guid claim, CancellationToken cancellationToken) =>
            inner.AbandonAsync(key, claim, cancellationToken);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
