using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Strait.Configuration;
using Strait.Configuration.Validators;

namespace Strait.Hosting;

internal enum AdminCredential
{
    Accepted,
    Missing,
    Invalid,
}

/// <summary>
/// Who the admin listener answers. A browser can reach a loopback listener from any web page by DNS rebinding (the
/// attacker's name resolved to 127.0.0.1), and can send it simple cross-site requests such as form posts:
/// the Host header names the attacker's domain in the first case, and the second cannot carry a JSON content type
/// or an <c>Authorization</c> header. So the listener answers only its own host names, takes mutations only as JSON,
/// and, with <c>admin.token</c>, only bearers of the token.
/// </summary>
/// <remarks>
/// IP literals are always the listener's own names: a rebinding page's Host is the name it was loaded from, never an
/// address, and a client that is not a browser can send any Host anyway.
/// </remarks>
internal sealed class AdminAccess
{
    public const string Realm = "strait-admin";

    private readonly FrozenSet<string> names;
    private readonly byte[]? tokenHash;

    private AdminAccess(FrozenSet<string> names, byte[]? tokenHash)
    {
        this.names = names;
        this.tokenHash = tokenHash;
    }

    /// <param name="listenHost">The host of <c>admin.listen</c>, a name the listener is reached by when it is not an address.</param>
    public static AdminAccess Create(AdminOptions options, string listenHost)
    {
        var token = options.Token?.Trim();
        if (options.TokenFile is { } file)
        {
            try
            {
                token = File.ReadAllText(file).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StraitConfigurationException($"admin.tokenFile '{file}' cannot be read: {e.Message}", e);
            }

            if (token.Length < AdminValidator.MinTokenLength)
            {
                throw new StraitConfigurationException($"admin.tokenFile '{file}' holds fewer than {AdminValidator.MinTokenLength} characters; use a long random string");
            }
        }

        string[] own = ["localhost", listenHost, .. options.AllowedHosts];
        return new AdminAccess(
            own.Select(Canonical).Where(name => name.Length > 0).ToFrozenSet(StringComparer.OrdinalIgnoreCase),
            token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>The Host header names this listener: an IP literal, <c>localhost</c>, the listen host or an <c>admin.allowedHosts</c> entry.</summary>
    public bool IsOwnHost(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = Canonical(host.Host);
        return Uri.CheckHostName(name.Trim('[', ']')) is UriHostNameType.IPv4 or UriHostNameType.IPv6 || names.Contains(name);
    }

    /// <summary>Checks the <c>Authorization</c> header against <c>admin.token</c> (always accepted without one).</summary>
    public AdminCredential Check(string? authorization)
    {
        if (tokenHash is null)
        {
            return AdminCredential.Accepted;
        }

        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return AdminCredential.Missing;
        }

        // Hashes have the same length whatever was sent, so the comparison's time says nothing about the token.
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization.AsSpan(Scheme.Length).Trim().ToString()));
        return CryptographicOperations.FixedTimeEquals(presented, tokenHash) ? AdminCredential.Accepted : AdminCredential.Invalid;
    }

    /// <summary>The RFC 6750 challenge for a refused credential: <c>invalid_token</c> only when one was sent.</summary>
    public static string Challenge(AdminCredential credential) =>
        credential == AdminCredential.Invalid ? $"Bearer realm=\"{Realm}\", error=\"invalid_token\"" : $"Bearer realm=\"{Realm}\"";

    // "localhost." is the fully qualified form of "localhost"; wildcard listen hosts name nothing.
    private static string Canonical(string host) => host is "*" or "+" ? string.Empty : host.TrimEnd('.');
}
