using System.Net;

namespace Strait.Security;

/// <summary>
/// The client networks a published surface (reflection, the OpenAPI document) is answered to. Loopback and private
/// networks by default, so that a schema is not published to the internet by accident.
/// </summary>
internal sealed class ClientNetworks
{
    public static IReadOnlyList<string> Private { get; } = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    private readonly IPNetwork[] networks;

    private ClientNetworks(IPNetwork[] networks) => this.networks = networks;

    /// <summary>The networks of <paramref name="cidrs"/>, or <see cref="Private"/> when it is empty.</summary>
    /// <exception cref="FormatException">An entry is not CIDR (configuration is validated before, with <see cref="Validate"/>); the message names <paramref name="key"/>.</exception>
    public static ClientNetworks Parse(IReadOnlyList<string> cidrs, string key) =>
        new([.. (cidrs.Count > 0 ? cidrs : Private).Select(n => IPNetwork.TryParse(n, out var parsed) ? parsed : throw new FormatException(Validate([n], key)))]);

    /// <summary>The first entry that is not a network in CIDR form, as an error naming <paramref name="key"/>; null when all are.</summary>
    public static string? Validate(IEnumerable<string> cidrs, string key)
    {
        foreach (var network in cidrs)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                return $"{key}: '{network}' is not a network in CIDR form (10.0.0.0/8, ::1/128)";
            }
        }

        return null;
    }

    public bool Contains(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return Array.Exists(networks, n => n.Contains(address));
    }
}
