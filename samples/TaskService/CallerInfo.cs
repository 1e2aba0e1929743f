namespace Strait.Samples.TaskService;

/// <summary>
/// What the service needs to know about who is calling and with which request metadata.
/// The gRPC adapter builds it from the incoming call's headers with <see cref="FromHeaders"/>.
/// </summary>
internal sealed class CallerInfo
{
    private const string AuthorizationHeader = "authorization";
    private const string BearerPrefix = "Bearer ";

    /// <summary>The user reported for calls that carry no bearer token.</summary>
    public const string AnonymousUser = "anonymous";

    private readonly Dictionary<string, string> headers;

    /// <summary>Creates caller information with an explicit user and optional request headers.</summary>
    public CallerInfo(string user, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        User = user;
        // gRPC metadata keys are lowercase but HTTP/1 clients may send any case; the first value of a key wins.
        this.headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers ?? [])
        {
            this.headers.TryAdd(name, value);
        }
    }

    /// <summary>A caller with no credentials and no headers.</summary>
    public static CallerInfo Anonymous { get; } = new(AnonymousUser);

    /// <summary>The user recorded as <c>created_by</c> on the tasks this caller creates.</summary>
    public string User { get; }

    /// <summary>Request headers (gRPC metadata), looked up case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Headers => headers;

    /// <summary>
    /// Derives the user from an <c>authorization: Bearer &lt;user&gt;</c> header (the demo trusts the token as
    /// the user name) and keeps every header for per-call behaviour such as fault injection.
    /// </summary>
    public static CallerInfo FromHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var materialized = headers.ToList();
        var authorization = materialized
            .FirstOrDefault(header => string.Equals(header.Key, AuthorizationHeader, StringComparison.OrdinalIgnoreCase))
            .Value;
        return new CallerInfo(UserFromAuthorization(authorization), materialized);
    }

    private static string UserFromAuthorization(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AnonymousUser;
        }

        var token = authorization[BearerPrefix.Length..].Trim();
        return token.Length == 0 ? AnonymousUser : token;
    }
}
