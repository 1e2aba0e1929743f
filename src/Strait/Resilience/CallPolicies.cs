using Google.Protobuf.Reflection;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Resilience;

/// <summary>
/// The call policy of every route: the <c>resilience.policies</c> entry that claims it (route, else method, else
/// service), merged over <c>resilience.default</c>. Built with each route table; the route plans keep each route's
/// policy.
/// </summary>
internal sealed class CallPolicies
{
    private static readonly TimeSpan DefaultMaxTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LongestTimeout = TimeSpan.FromHours(24);

    // Codes that describe the request rather than the server's state: sending it again gets the same answer.
    private static readonly GrpcStatusCodeSet NeverRetried = GrpcStatusCodeSet.Of(
        GrpcStatusCode.InvalidArgument,
        GrpcStatusCode.NotFound,
        GrpcStatusCode.AlreadyExists,
        GrpcStatusCode.PermissionDenied,
        GrpcStatusCode.Unauthenticated,
        GrpcStatusCode.FailedPrecondition,
        GrpcStatusCode.Aborted,
        GrpcStatusCode.OutOfRange);

    private readonly Dictionary<string, CallPolicy> built;
    private readonly RouteClaimResolution claims;

    private CallPolicies(Dictionary<string, CallPolicy> built, RouteClaimResolution claims, string deadlineHeader)
    {
        this.built = built;
        this.claims = claims;
        DeadlineHeader = deadlineHeader;
    }

    public string DeadlineHeader { get; }

    /// <summary>
    /// The policy of a route: its claiming entry's, else the default; idempotent as configured, else as the method
    /// declares or the verb implies.
    /// </summary>
    public RouteCallPolicy For(HttpRoute route)
    {
        var policy = built[claims.NameOf(route) ?? "default"];
        return new RouteCallPolicy(policy, policy.Idempotent ?? (DeclaredIdempotent(route.Method) || route.HttpMethod is "GET" or "HEAD" or "PUT" or "DELETE"));
    }

    /// <summary>The policy of a call made by method (native gRPC, grpc-web): its method's or service's entry, else the default.</summary>
    public RouteCallPolicy For(MethodDescriptor method)
    {
        var policy = built[claims.NameOf(method) ?? "default"];
        return new RouteCallPolicy(policy, policy.Idempotent ?? DeclaredIdempotent(method));
    }

    /// <summary>
    /// Checks every policy's own keys, which need no schema, so that their errors are reported with the rest of the
    /// configuration's before a schema is loaded; <see cref="TryBuild"/> checks what each claims against the routes.
    /// </summary>
    public static void Validate(ResilienceOptions options, List<string> errors) => CreatePolicies(options, errors);

    /// <returns>Null when <paramref name="errors"/> got problems.</returns>
    public static CallPolicies? TryBuild(ResilienceOptions options, RouteTable routes, List<string> errors)
    {
        var before = errors.Count;
        var built = CreatePolicies(options, errors);
        var claims = RouteClaims.Resolve(
            options.Policies.Select(p => KeyValuePair.Create(p.Key, new RouteClaimLists(p.Value.Services, p.Value.Methods, p.Value.Routes))),
            routes,
            "resilience.policies",
            "covered by policy",
            errors);
        if (errors.Count > before)
        {
            return null;
        }

        return new CallPolicies(built, claims, options.DeadlineHeader.Trim());
    }

    private static Dictionary<string, CallPolicy> CreatePolicies(ResilienceOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.DeadlineHeader) || options.DeadlineHeader.AsSpan().IndexOfAny(" \t:") >= 0)
        {
            errors.Add($"resilience.deadlineHeader: '{options.DeadlineHeader}' is not a header name");
        }

        var defaults = options.Default;
        if (defaults.Services.Count > 0 || defaults.Methods.Count > 0 || defaults.Routes.Count > 0)
        {
            errors.Add("resilience.default: the default policy applies to every route; services, methods and routes belong on resilience.policies.NAME");
        }

        var built = new Dictionary<string, CallPolicy>(StringComparer.Ordinal);
        if (TryCreate("default", "resilience.default", defaults, defaults, errors) is { } defaultPolicy)
        {
            built["default"] = defaultPolicy;
        }

        foreach (var (name, policy) in options.Policies)
        {
            var key = "resilience.policies." + name;
            if (policy.Services.Count == 0 && policy.Methods.Count == 0 && policy.Routes.Count == 0)
            {
                errors.Add($"{key}: applies to nothing: give services, methods or routes");
            }

            if (TryCreate(name, key, Merge(policy, defaults), policy, errors) is { } created)
            {
                built[name] = created;
            }
        }

        return built;
    }

    /// <summary>
    /// A method the proto declares idempotent or side-effect free; on a route, GET, HEAD, PUT and DELETE are idempotent
    /// too (RFC 9110 §9.2.2).
    /// </summary>
    private static bool DeclaredIdempotent(MethodDescriptor method) =>
        (method.GetOptions()?.IdempotencyLevel ?? MethodOptions.Types.IdempotencyLevel.IdempotencyUnknown) != MethodOptions.Types.IdempotencyLevel.IdempotencyUnknown;

    private static CallPolicyOptions Merge(CallPolicyOptions entry, CallPolicyOptions defaults) => new()
    {
        Timeout = entry.Timeout ?? defaults.Timeout,
        MaxTimeout = entry.MaxTimeout ?? defaults.MaxTimeout,
        DeadlineOffset = entry.DeadlineOffset ?? defaults.DeadlineOffset,
        Idempotent = entry.Idempotent ?? defaults.Idempotent,
        // A policy that hedges does not inherit the default's retries: A6 allows one or the other.
        Retry = entry.Retry ?? (entry.Hedging is null ? defaults.Retry : null),
        Hedging = entry.Hedging ?? (entry.Retry is null ? defaults.Hedging : null),
        Idempotency = entry.Idempotency ?? defaults.Idempotency,
    };

    private static CallPolicy? TryCreate(string name, string key, CallPolicyOptions options, CallPolicyOptions own, List<string> errors)
    {
        var before = errors.Count;
        void Error(string path, string text) => errors.Add($"{key}.{path}: {text}");

        if (options.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > LongestTimeout))
        {
            Error("timeout", $"must be positive and at most {LongestTimeout} (it is {timeout})");
        }

        var maxTimeout = options.MaxTimeout ?? DefaultMaxTimeout;
        if (maxTimeout <= TimeSpan.Zero || maxTimeout > LongestTimeout)
        {
            Error("maxTimeout", $"must be positive and at most {LongestTimeout} (it is {maxTimeout})");
        }

        if (options.Timeout > maxTimeout)
        {
            Error("timeout", $"is longer than maxTimeout ({options.Timeout} > {maxTimeout})");
        }

        var offset = options.DeadlineOffset ?? TimeSpan.Zero;
        if (offset < TimeSpan.Zero || offset >= maxTimeout)
        {
            Error("deadlineOffset", $"must be at least 0 and less than maxTimeout (it is {offset})");
        }

        if (own.Retry is not null && own.Hedging is not null)
        {
            Error("hedging", "a policy either retries or hedges (gRPC A6); remove retry or hedging");
        }

        // Retries are on unless turned off or replaced by hedging: the default policy retries idempotent calls.
        var retryOptions = options.Retry ?? (options.Hedging is null ? new RetryOptions() : null);
        var retry = retryOptions is { Enabled: true } ? CreateRetry(retryOptions, Error) : null;
        var hedging = options.Hedging is { } hedgingOptions ? CreateHedging(hedgingOptions, Error) : null;
        ReplayPolicy? replay = null;
        if (options.Idempotency is { Enabled: true } replayOptions)
        {
            if (replayOptions.Ttl <= TimeSpan.Zero)
            {
                Error("idempotency.ttl", $"must be positive (it is {replayOptions.Ttl})");
            }

            if (replayOptions.WaitForInFlight < TimeSpan.Zero)
            {
                Error("idempotency.waitForInFlight", $"must not be negative (it is {replayOptions.WaitForInFlight})");
            }

            var scope = ClientPartition.TryParse(replayOptions.Scope);
            if (scope is null)
            {
                Error("idempotency.scope", $"'{replayOptions.Scope}' is not global, ip, header:NAME or jwt:CLAIM");
            }
            else
            {
                replay = new ReplayPolicy(replayOptions.Ttl, replayOptions.WaitForInFlight, scope);
            }
        }

        return errors.Count > before
            ? null
            : new CallPolicy(name, options.Timeout, maxTimeout, offset, options.Idempotent, hedging is null ? retry : null, hedging, replay);
    }

    private static RetryPolicy CreateRetry(RetryOptions options, Action<string, string> error)
    {
        if (options.MaxAttempts is < 2 or > 5)
        {
            error("retry.maxAttempts", $"must be between 2 and 5 (it is {options.MaxAttempts})");
        }

        if (options.InitialBackoff <= TimeSpan.Zero)
        {
            error("retry.initialBackoff", $"must be positive (it is {options.InitialBackoff})");
        }

        if (options.MaxBackoff < options.InitialBackoff)
        {
            error("retry.maxBackoff", $"must be at least initialBackoff (it is {options.MaxBackoff})");
        }

        if (!(options.BackoffMultiplier >= 1) || double.IsInfinity(options.BackoffMultiplier))
        {
            error("retry.backoffMultiplier", $"must be a number of at least 1 (it is {options.BackoffMultiplier})");
        }

        if (options.PerTryTimeout is { } perTry && perTry <= TimeSpan.Zero)
        {
            error("retry.perTryTimeout", $"must be positive (it is {perTry})");
        }

        var retryable = ParseRetryableCodes(options.RetryableStatusCodes ?? ["UNAVAILABLE"], "retry.retryableStatusCodes", error);
        var pushback = ParseRetryableCodes(options.PushbackStatusCodes ?? ["RESOURCE_EXHAUSTED"], "retry.pushbackStatusCodes", error);
        if (retryable.Mask == 0 && pushback.Mask == 0)
        {
            error("retry.retryableStatusCodes", "lists no code; to turn retries off set retry.enabled: false");
        }

        return new RetryPolicy(options.MaxAttempts, options.InitialBackoff, options.MaxBackoff, options.BackoffMultiplier, retryable, pushback, options.PerTryTimeout);
    }

    private static HedgingPolicy CreateHedging(HedgingOptions options, Action<string, string> error)
    {
        if (options.MaxAttempts is < 2 or > 5)
        {
            error("hedging.maxAttempts", $"must be between 2 and 5 (it is {options.MaxAttempts})");
        }

        if (options.Delay < TimeSpan.Zero)
        {
            error("hedging.delay", $"must not be negative (it is {options.Delay})");
        }

        return new HedgingPolicy(options.MaxAttempts, options.Delay, ParseRetryableCodes(options.NonFatalStatusCodes ?? ["UNAVAILABLE"], "hedging.nonFatalStatusCodes", error));
    }

    private static GrpcStatusCodeSet ParseRetryableCodes(List<string> names, string key, Action<string, string> error)
    {
        var codes = GrpcStatusCodeSet.Parse(names, key, error);
        var refused = new GrpcStatusCodeSet(codes.Mask & NeverRetried.Mask);
        if (refused.Mask != 0)
        {
            error(key, $"{refused} describe the request, not the server: sending it again gets the same answer");
        }

        return codes;
    }
}
