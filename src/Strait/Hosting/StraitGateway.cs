using Strait.Configuration;
using Strait.Gateway;
using Strait.Headers;
using Strait.Schema;

namespace Strait.Hosting;

/// <summary>
/// Strait inside another program: the gateway <c>strait serve --config FILE</c> runs, started from code, with the
/// extension points only code can give (an idempotency store, header transforms). The rest of the engine is internal
/// (docs/adr/0013-public-facade.md).
/// </summary>
/// <remarks>
/// Several gateways can run in one process; they share one budget of pending message bytes
/// (<c>limits.maxPendingMessageBytes</c>), which the last one started sets.
/// </remarks>
/// <example>
/// <code>
/// await using var gateway = await StraitGateway.StartAsync(new StraitGatewayOptions
/// {
///     ConfigFile = "strait.yaml",
///     ConfigureTransforms = transforms => transforms.RegisterSimple("lower_ascii", v => v.ToLowerInvariant()),
/// }, cancellationToken);
/// Console.WriteLine("serving on " + string.Join(", ", gateway.Urls));
/// await gateway.WaitForShutdownAsync(cancellationToken);
/// </code>
/// </example>
public sealed class StraitGateway : IAsyncDisposable
{
    private readonly GatewayRuntime runtime;
    private readonly GatewayServer server;

    private StraitGateway(GatewayRuntime runtime, GatewayServer server)
    {
        this.runtime = runtime;
        this.server = server;
    }

    /// <summary>The <c>listen</c> URLs actually bound: a port of 0 in the configuration is replaced by the chosen port.</summary>
    public IReadOnlyList<string> Urls => server.Urls;

    /// <summary>The URLs that speak HTTP/2 only: the <c>http2Listen</c> ones, or <c>listen</c>'s under <c>listenProtocols: http2</c>.</summary>
    public IReadOnlyList<string> Http2Urls => server.Http2Urls;

    /// <summary>The admin listener's bound URLs; empty when <c>admin.listen</c> is unset.</summary>
    public IReadOnlyList<string> AdminUrls => server.AdminUrls;

    /// <summary>
    /// Loads the configuration as <c>strait serve</c> does (the file, then <c>STRAIT_</c> environment variables, then
    /// <see cref="StraitGatewayOptions.Overrides"/>), checks it, loads the schema, starts the clusters and listens.
    /// Log lines go to standard output, as <c>strait serve</c> writes them.
    /// </summary>
    /// <param name="options">The configuration and the extensions.</param>
    /// <param name="cancellationToken">Abandons the start (the clusters' first resolution, reflection, binding).</param>
    /// <returns>The gateway, serving.</returns>
    /// <exception cref="StraitConfigurationException">The configuration or its schema is unusable, or a listen URL
    /// cannot be bound; every problem the configuration holds is listed at once.</exception>
    public static async Task<StraitGateway> StartAsync(StraitGatewayOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        HeaderTransformRegistry? transforms = null;
        if (options.ConfigureTransforms is { } configure)
        {
            transforms = new HeaderTransformRegistry();
            configure(transforms);
        }

        var settings = StraitConfiguration.Load(options.ConfigFile, options.Overrides, requireBackend: true, transforms);
        GatewayRuntime runtime;
        try
        {
            runtime = GatewayRuntime.Create(settings, options.IdempotencyStore);
        }
        catch (SchemaException e)
        {
            throw new StraitConfigurationException(e.Message, e);
        }

        try
        {
            return new StraitGateway(runtime, await GatewayServer.StartAsync(runtime, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
            // A schema that does not load is the configuration's problem to the embedder: one exception type for both.
            if (e is SchemaException)
            {
                throw new StraitConfigurationException(e.Message, e);
            }

            throw;
        }
    }

    /// <summary>Completes once the gateway has stopped listening: told to by SIGTERM or Ctrl+C, or by <paramref name="cancellationToken"/>.</summary>
    /// <param name="cancellationToken">Stops the gateway as SIGTERM does.</param>
    /// <returns>A task that completes once the listeners have stopped; dispose the gateway after it.</returns>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => server.WaitForShutdownAsync(cancellationToken);

    /// <summary>
    /// Stops listening (requests in flight are given time to finish), then closes the clusters and the configured
    /// idempotency store; not one given in <see cref="StraitGatewayOptions.IdempotencyStore"/>, which the caller disposes.
    /// </summary>
    /// <returns>A task that completes once everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync().ConfigureAwait(false);
        await runtime.DisposeAsync().ConfigureAwait(false);
    }
}
