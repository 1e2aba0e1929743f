using Strait.Headers;
using Strait.Resilience.Idempotency;

namespace Strait.Hosting;

/// <summary>What <see cref="StraitGateway.StartAsync"/> starts: the configuration <c>strait serve</c> reads, and the extensions only code can give.</summary>
public sealed class StraitGatewayOptions
{
    /// <summary>The configuration file (<c>.yaml</c>, <c>.yml</c> or <c>.json</c>; docs/configuration.md), as <c>strait serve --config</c> takes it; null for none.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// Configuration keys set over the file and the <c>STRAIT_</c> environment variables, as <c>strait serve</c>'s
    /// flags set them: <c>Listen</c>, <c>Backend:Addresses:0</c>, <c>Schema:Protos:0</c>. Keys are case-insensitive,
    /// levels are separated by <c>:</c>, list items are numbered.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// The store of Idempotency-Key answers, used instead of the one <c>resilience.idempotencyStore.kind</c> names
    /// (whose <c>maxResponseSize</c> still applies); the configured one when null. The gateway does not dispose it:
    /// the caller does, after disposing the gateway.
    /// </summary>
    public IIdempotencyStore? IdempotencyStore { get; init; }

    /// <summary>
    /// Adds header transforms beside the built-ins, before the configuration is checked, so that header rules can name
    /// them in <c>transforms</c>.
    /// </summary>
    public Action<HeaderTransformRegistry>? ConfigureTransforms { get; init; }
}
