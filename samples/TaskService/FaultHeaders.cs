namespace Strait.Samples.TaskService;

/// <summary>Request headers (gRPC metadata) that inject faults into a single call.</summary>
internal static class FaultHeaders
{
    /// <summary>Extra delay for this call in milliseconds, added to the configured latency.</summary>
    public const string Delay = "x-strait-demo-delay-ms";

    /// <summary>Fails this call with the given gRPC code, by name (<c>UNAVAILABLE</c>, any case) or number (<c>14</c>).</summary>
    public const string FailCode = "x-strait-demo-fail-code";

    /// <summary>Caps the header delay so that a typo cannot park a request for hours.</summary>
    public const int MaxDelayMilliseconds = 600_000;
}
