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
    /// <returns>Null when an entry is not CIDR; <paramref name="errors"/> then names each such entry under <paramref name="key"/>.</returns>
    public static ClientNetworks? TryParse(IReadOnlyList<string> cidrs, string key, List<string> errors)
    {
        if (cidrs.Count == 0)
        {
            return new ClientNetworks([.. Private.Select(network => IPNetwork.Parse(network))]);
        }

        var networks = new IPNetwork[cidrs.Count];
        var valid = true;
        for (var i = 0; i < cidrs.Count; i++)
        {
            if (!IPNetwork.TryParse(cidrs[i], out networks[i]))
            {
                errors.Add($"{key}[{i}]: '{cidrs[i]}' is not a network in CIDR form (10.0.0.0/8, ::1/128)");
                valid = false;
            }
        }

        return valid ? new ClientNetworks(networks) : null;
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
