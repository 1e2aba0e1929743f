using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Strait.Upstream.Dns;

/// <summary>Host name checks shared by the resolvers.</summary>
internal static class DnsHostName
{
    private const int MaxNameWireLength = 255;
    private const int MaxLabelLength = 63;

    /// <summary>
    /// An IP literal: IPv6 with or without brackets, IPv4 only in dotted-quad form, because IPAddress.TryParse also reads
    /// <c>10.1</c> or <c>1234</c> as addresses and those are (odd) host names.
    /// </summary>
    public static bool TryParseAddressLiteral(string host, [NotNullWhen(true)] out IPAddress? address)
    {
        var text = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(text, out address)
            && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? text.Contains(':', StringComparison.Ordinal) : address.ToString() == text))
        {
            return true;
        }

        address = null;
        return false;
    }

    /// <summary>
    /// Drops one trailing dot and checks the name can be sent as is: labels of 1 to 63 printable ASCII characters
    /// other than '\', at most 255 bytes on the wire.
    /// </summary>
    public static bool TryNormalize(string host, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out string? error)
    {
        name = null;
        var text = host.EndsWith('.') ? host[..^1] : host;
        if (text.Length == 0)
        {
            error = $"'{host}' is not a host name";
            return false;
        }

        if (text.Length + 2 > MaxNameWireLength)
        {
            error = $"host name '{host}' is longer than {MaxNameWireLength - 2} characters";
            return false;
        }

        var labelStart = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == '.')
            {
                var labelLength = i - labelStart;
                if (labelLength is 0 or > MaxLabelLength)
                {
                    error = $"host name '{host}' has a label of {labelLength} characters (1 to {MaxLabelLength} allowed)";
                    return false;
                }

                labelStart = i + 1;
            }
            else if (text[i] is <= ' ' or >= '\x7F' or '\\')
            {
                error = $"host name '{host}' has the character '{text[i]}' (only printable ASCII is sent)";
                return false;
            }
        }

        name = text;
        error = null;
        return true;
    }

    /// <summary>DNS names compare ASCII case-insensitively (RFC 4343); escapes are digits, so they compare exactly.</summary>
    public static bool Equal(string left, string right) => string.Equals(left, right, StringComparison.OrdinalIgnoreCase);
}
