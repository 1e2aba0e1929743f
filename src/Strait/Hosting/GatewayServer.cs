using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Strait.Configuration;
using Strait.Edge;
using Strait.Edge.Docs;
using Strait.Edge.Grpc;
using Strait.Edge.Rest;
using Strait.Gateway;
using Strait.Observability;
using Strait.Schema;

namespace Strait.Hosting;

/// <summary>Strait's HTTP front end on Kestrel: HTTP/1.1 and HTTP/2 (h2c with prior knowledge, or ALPN) on the listen URLs.</summary>
internal sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly AdminServer? admin;
    private readonly SchemaRefresher refresher;

    private GatewayServer(WebApplication app, IReadOnlyList<string> urls, IReadOnlyList<string> http2Urls, AdminServer? admin, SchemaRefresher refresher)
    {
        this.app = app;
        this.admin = admin;
        this.refresher = refresher;
        Urls = urls;
        Http2Urls = http2Urls;
    }

    /// <summary>The snapshot in use; a schema refresh swaps it.</summary>
    public GatewaySnapshotHolder Snapshots => refresher.Snapshots;

    /// <summary>The <c>listen</c> URLs actually bound (a port of 0 in the configuration is replaced by the chosen port).</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>The URLs that speak HTTP/2 only: the <c>http2Listen</c> ones, or <c>listen</c>'s under <c>listenProtocols: http2</c>.</summary>
    public IReadOnlyList<string> Http2Urls { get; }

    /// <summary>The admin listener's bound URLs; empty when <c>admin.listen</c> is unset.</summary>
    public IReadOnlyList<string> AdminUrls => admin?.Urls ?? [];

    /// <summary>
    /// Starts the clusters, loads the first schema (reflecting clusters are asked now), then listens; the schema is
    /// refreshed in the background from then on. The caller owns <paramref name="runtime"/> and disposes it after this.
    /// </summary>
    /// <param name="logOutput">Where the log lines go; standard output when null. A host running several gateways in
    /// one process (the tests' in-process harness) gives each its own, to tell their lines apart.</param>
    public static async Task<GatewayServer> StartAsync(GatewayRuntime runtime, CancellationToken cancellationToken, LogLevel minimumLevel = LogLevel.Information, Stream? logOutput = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var options = runtime.Options;
        // Every frame reader in the process draws on this one budget: client requests and upstream replies alike.
        Wire.ReceiveBudget.Process.Capacity = options.Limits.MaxPendingMessageBytes;
        var builder = WebApplication.CreateSlimBuilder(QuietHost.Options());
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerProvider>(_ => new LineLoggerProvider(logOutput ?? Console.OpenStandardOutput(), clientFaultsVisible: minimumLevel <= LogLevel.Debug));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Strait", minimumLevel);
        // A failed start is reported once, as a configuration error, not as the host's stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        // While this category is enabled at any level, ASP.NET Core starts an Activity per request, for log scopes
        // Strait does not use; it logs nothing Strait's own access log does not say.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var listeners = new List<BoundListener>();
        // Beside the socket transport, which the slim builder registered already (registered first, this would keep it
        // out): it binds the HTTP/2 pipeline that cleartext listeners hand h2c connections to.
        builder.Services.AddSingleton<IConnectionListenerFactory, PipelineOnlyTransport>();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.RequestHeaderEncodingSelector = Headers.ConnectionHeader.EncodingFor;
            // Strait enforces its own, configurable limit and answers it with a problem, not a reset.
            kestrel.Limits.MaxRequestBodySize = null;
            listeners.AddRange(ListenEndpoints.Bind(kestrel, runtime.Settings.Listeners));
        });
        // Both exist once the schema is loaded, which needs the host's loggers: resolved only after that.
        SchemaRefresher? refresher = null;
        GatewayGrpcServices? own = null;
        builder.Services.AddSingleton(_ => refresher!.Snapshots);
        builder.Services.AddSingleton(_ => own!);
        builder.Services.AddSingleton<RestTranscodingEndpoint>();
        builder.Services.AddSingleton<GrpcProxyEndpoint>();
        builder.Services.AddSingleton<EdgeDispatcher>();
        builder.Services.AddSingleton(new ApiExplorer(options.OpenApi, runtime.Settings.OpenApiNetworks));

        WebApplication app;
        try
        {
            app = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new StraitConfigurationException($"cannot listen on '{options.Listen}': {e.Message}", e);
        }

        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        AdminServer? admin = null;
        try
        {
            // DNS names are resolved before the first request is accepted, so that it finds endpoints, and before
            // reflection, which asks each endpoint.
            await runtime.Clusters.StartAsync(loggers, cancellationToken).ConfigureAwait(false);
            refresher = new SchemaRefresher(runtime, loggers.CreateLogger("Strait.Schema"));
            await refresher.LoadAsync(cancellationToken).ConfigureAwait(false);
            var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
            own = new GatewayGrpcServices(options.GatewayServices, runtime.Settings.ReflectionNetworks, refresher.Snapshots, () => !lifetime.ApplicationStopping.IsCancellationRequested, loggers.CreateLogger("Strait.GatewayServices"));
            var endpoint = app.Services.GetRequiredService<EdgeDispatcher>();
            // Keep-alive is set per socket from the snapshot (streaming.webSocketKeepAlive).
            app.UseWebSockets();
            app.Run(endpoint.InvokeAsync);
            if (options.Admin.Listen is not null)
            {
                admin = await AdminServer.StartAsync(options.Admin, refresher, cancellationToken).ConfigureAwait(false);
            }

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            refresher.Start();
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or StraitConfigurationException or SchemaException or OperationCanceledException)
        {
            if (admin is not null)
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            if (refresher is not null)
            {
                await refresher.DisposeAsync().ConfigureAwait(false);
            }

            await app.DisposeAsync().ConfigureAwait(false);
            if (e is StraitConfigurationException or SchemaException or OperationCanceledException)
            {
                throw;
            }

            throw new StraitConfigurationException($"cannot listen on '{options.Listen}': {e.Message}", e);
        }

        return new GatewayServer(
            app,
            [.. listeners.Where(l => !l.FromHttp2Listen).Select(l => l.Url).Distinct()],
            [.. listeners.Where(l => l.Http2Only).Select(l => l.Url).Distinct()],
            admin,
            refresher);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => app.WaitForShutdownAsync(cancellationToken);

    // The admin listener goes first: it can trigger refreshes, which must not start once the refresher is stopping.
    public async ValueTask DisposeAsync()
    {
        if (admin is not null)
        {
            await admin.DisposeAsync().ConfigureAwait(false);
        }

        await refresher.DisposeAsync().ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
