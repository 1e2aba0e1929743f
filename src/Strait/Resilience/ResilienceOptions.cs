namespace Strait.Resilience;

/// <summary>
/// Per-route call policy: deadlines, retries or hedging, and Idempotency-Key replay. <c>default</c> applies to every
/// route; each entry of <c>policies</c> claims services, methods or routes (as <c>clusters</c> do) and overrides the
/// keys it sets. Documented key by key in docs/resilience.md.
/// </summary>
internal sealed class ResilienceOptions
{
    /// <summary>The REST request header a client states its timeout in (<c>2s</c>, <c>250ms</c>, <c>1.5</c> seconds).</summary>
    public string DeadlineHeader { get; set; } = "X-Request-Timeout";

    public CallPolicyOptions Default { get; set; } = new();

    public Dictionary<string, CallPolicyOptions> Policies { get; set; } = new(StringComparer.Ordinal);

    public IdempotencyStoreOptions IdempotencyStore { get; set; } = new();
}

/// <summary>One call policy. Unset keys fall back to <c>resilience.default</c>, then to the built-in defaults.</summary>
internal sealed class CallPolicyOptions
{
    public List<string> Services { get; set; } = [];

    public List<string> Methods { get; set; } = [];

    public List<string> Routes { get; set; } = [];

    /// <summary>Deadline of a call whose client states none; the cluster's <c>timeout</c> when unset.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>The longest deadline a client may ask for; longer ones are cut to it. Default 5 minutes.</summary>
    public TimeSpan? MaxTimeout { get; set; }

    /// <summary>Subtracted from the client's timeout, so the gateway can still answer before the client gives up. Default 0.</summary>
    public TimeSpan? DeadlineOffset { get; set; }

    /// <summary>
    /// Whether calls may be sent more than once. Unset: GET, HEAD, PUT and DELETE are, and methods whose proto says
    /// <c>idempotency_level</c> NO_SIDE_EFFECTS or IDEMPOTENT; a request with an Idempotency-Key header always is.
    /// </summary>
    public bool? Idempotent { get; set; }

    public RetryOptions? Retry { get; set; }

    public HedgingOptions? Hedging { get; set; }

    public IdempotencyReplayOptions? Idempotency { get; set; }
}

/// <summary>gRPC A6 retries: exponential backoff with full jitter, each attempt inside the call's deadline.</summary>
internal sealed class RetryOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Attempts in all, the first included: 2 to 5.</summary>
    public int MaxAttempts { get; set; } = 3;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public double BackoffMultiplier { get; set; } = 2;

    // Lists default to null, not to their default values: the configuration binder appends to a list it finds.

    /// <summary>
    /// Codes retried; <c>[UNAVAILABLE]</c> when unset. Codes that describe the request (INVALID_ARGUMENT, NOT_FOUND,
    /// PERMISSION_DENIED…) are refused.
    /// </summary>
    public List<string>? RetryableStatusCodes { get; set; }

    /// <summary>
    /// Codes retried only when the backend says when (<c>grpc-retry-pushback-ms</c> or a google.rpc.RetryInfo detail);
    /// <c>[RESOURCE_EXHAUSTED]</c> when unset.
    /// </summary>
    public List<string>? PushbackStatusCodes { get; set; }

    /// <summary>Deadline of each attempt (within the call's); an attempt that runs out is retried. Unset: none.</summary>
    public TimeSpan? PerTryTimeout { get; set; }
}

/// <summary>gRPC A6 hedging: further attempts after a delay, first answer wins, the others are cancelled.</summary>
internal sealed class HedgingOptions
{
    /// <summary>Attempts in all, the first included: 2 to 5.</summary>
    public int MaxAttempts { get; set; } = 2;

    /// <summary>Time after an attempt starts before the next one is sent if no answer came.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Codes that send the next attempt at once instead of ending the call; <c>[UNAVAILABLE]</c> when unset.</summary>
    public List<string>? NonFatalStatusCodes { get; set; }
}

/// <summary>Idempotency-Key replay: the first complete answer for a key is stored and replayed to repeats.</summary>
internal sealed class IdempotencyReplayOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How long an answer is replayed.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a repeat waits for the first request with its key to finish before it gets 409.</summary>
    public TimeSpan WaitForInFlight { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whose keys are kept apart, as rate limit keys name them: <c>header:Authorization</c> (default: one credential's
    /// keys never replay another's answers), <c>jwt:CLAIM</c>, <c>header:NAME</c>, <c>ip</c> or <c>global</c>.
    /// </summary>
    public string Scope { get; set; } = "header:Authorization";
}

/// <summary>Where replayable answers are kept.</summary>
internal sealed class IdempotencyStoreOptions
{
    /// <summary><c>memory</c> (default: this process only) or <c>postgres</c> (shared by every replica).</summary>
    public string Kind { get; set; } = "memory";

    /// <summary>Npgsql connection string, for <c>postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table, created when missing, for <c>postgres</c>.</summary>
    public string Table { get; set; } = "strait_idempotency";

    /// <summary>Most keys kept by the <c>memory</c> store; the oldest are dropped first.</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>Largest response body stored; a larger answer is sent but not replayable.</summary>
    public int MaxResponseSize { get; set; } = 1024 * 1024;
}
