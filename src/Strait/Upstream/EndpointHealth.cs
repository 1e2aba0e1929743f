namespace Strait.Upstream;

/// <summary>What active health checking last concluded about an endpoint.</summary>
internal enum EndpointHealth
{
    /// <summary>Not checked yet: used only while no endpoint is healthy.</summary>
    Unknown,

    Healthy,

    /// <summary>NOT_SERVING, or failed checks: out of rotation until it answers SERVING again.</summary>
    Unhealthy,
}
