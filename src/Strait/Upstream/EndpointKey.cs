using System.Net;

namespace Strait.Upstream;

/// <summary>
/// Who an endpoint is: the address its calls name (scheme, host for TLS and <c>:authority</c>, port) and, for an
/// endpoint found through DNS, the IP address actually dialled.
/// </summary>
internal readonly record struct EndpointKey(Uri Address, IPEndPoint? Dial)
{
    public override string ToString() => Dial is null ? Address.Authority : $"{Dial} ({Address.Host})";
}
