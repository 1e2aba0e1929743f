namespace Strait.Configuration.Validators;

/// <summary>The <c>admin</c> section: the admin listener and who it answers.</summary>
internal static class AdminValidator
{
    /// <summary>Tokens are compared whole, not rate-limited: a short one could be guessed.</summary>
    public const int MinTokenLength = 16;

    public static void Validate(AdminOptions options, List<string> errors)
    {
        if (options.Listen is { } listen && (!Uri.TryCreate(listen, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.AbsolutePath != "/"))
        {
            errors.Add($"admin.listen: '{listen}' is not http://HOST:PORT");
        }

        if (options.Token is not null && options.TokenFile is not null)
        {
            errors.Add("admin.tokenFile: admin.token is set too; use one of the two");
        }

        if (options.Token is { } token && token.Trim().Length < MinTokenLength)
        {
            errors.Add($"admin.token: is shorter than {MinTokenLength} characters; use a long random string");
        }

        if (options.TokenFile is "")
        {
            errors.Add("admin.tokenFile: is empty; give a path or leave it unset");
        }

        for (var i = 0; i < options.AllowedHosts.Count; i++)
        {
            if (!IsHostName(options.AllowedHosts[i]))
            {
                errors.Add($"admin.allowedHosts[{i}]: '{options.AllowedHosts[i]}' is not a host name (no scheme, port or wildcard)");
            }
        }
    }

    // What a Host header can name: a host name or an address, without a port.
    private static bool IsHostName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && Uri.CheckHostName(name.TrimEnd('.').Trim('[', ']')) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;
}
