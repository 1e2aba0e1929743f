using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Strait.Edge;
using Strait.Edge.Grpc;
using Strait.Edge.Rest;
using Strait.Observability;

namespace Strait.Hosting;

/// <summary>Strait's HTTP front end on Kestrel: HTTP/1.1 and HTTP/2 (h2c with prior knowledge) on every listen URL.</summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly AdminServer? admin;

    private GatewayServer(WebApplication app, IReadOnlyList<string> urls, IReadOnlyList<string> http2Urls, AdminServer? admin)
    {
        this.app = app;
        this.admin = admin;
        Urls = urls;
        Http2Urls = http2Urls;
    }

    /// <summary>The <c>listen</c> URLs actually bound (a port of 0 in the configuration is replaced by the chosen port).</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>The URLs that speak HTTP/2 only: the <c>http2Listen</c> ones, or <c>listen</c>'s under <c>listenProtocols: http2</c>.</summary>
    public IReadOnlyList<string> Http2Urls { get; }

    /// <summary>The admin listener's bound URLs; empty when <c>admin.listen</c> is unset.</summary>
    public IReadOnlyList<string> AdminUrls => admin?.Urls ?? [];

    public static async Task<GatewayServer> StartAsync(StraitOptions options, GatewaySnapshot snapshot, CancellationToken cancellationToken, LogLevel minimumLevel = LogLevel.Information)
    {
        var builder = WebApplication.CreateSlimBuilder(QuietHost.Options());
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerProvider>(_ => new LineLoggerProvider(Console.OpenStandardOutput()));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Strait", minimumLevel);
        // A failed start is reported once, as a configuration error, not as the host's stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        // While this category is enabled at any level, ASP.NET Core starts an Activity per request, for log scopes
        // Strait does not use; it logs nothing Strait's own access log does not say.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var listeners = new List<BoundListener>();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Strait enforces its own, configurable limit and answers it with a problem, not a reset.
            kestrel.Limits.MaxRequestBodySize = null;
            listeners.AddRange(ListenEndpoints.Bind(kestrel, options));
        });
        var snapshots = new GatewaySnapshotHolder(snapshot);
        builder.Services.AddSingleton(snapshots);
        builder.Services.AddSingleton<RestTranscodingEndpoint>();
        builder.Services.AddSingleton<GrpcProxyEndpoint>();
        builder.Services.AddSingleton<EdgeDispatcher>();

        WebApplication app;
        try
        {
            app = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new StraitConfigurationException($"cannot listen on '{options.Listen}': {e.Message}", e);
        }

        var endpoint = app.Services.GetRequiredService<EdgeDispatcher>();
        // Keep-alive is set per socket from the snapshot (streaming.webSocketKeepAlive).
        app.UseWebSockets();
        app.Run(endpoint.InvokeAsync);
        AdminServer? admin = null;
        try
        {
            // DNS names are resolved before the first request is accepted, so that it finds endpoints.
            await snapshot.Upstream.StartAsync(app.Services.GetRequiredService<ILoggerFactory>(), cancellationToken).ConfigureAwait(false);
            if (options.Admin.Listen is { } adminUrl)
            {
                admin = await AdminServer.StartAsync(adminUrl, snapshots, cancellationToken).ConfigureAwait(false);
            }

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or StraitConfigurationException or OperationCanceledException)
        {
            if (admin is not null)
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            await app.DisposeAsync().ConfigureAwait(false);
            if (e is StraitConfigurationException or OperationCanceledException)
            {
                throw;
            }

            throw new StraitConfigurationException($"cannot listen on '{options.Listen}': {e.Message}", e);
        }

        return new GatewayServer(
            app,
            [.. listeners.Where(l => !l.FromHttp2Listen).Select(l => l.Url).Distinct()],
            [.. listeners.Where(l => l.Http2Only).Select(l => l.Url).Distinct()],
            admin);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        if (admin is not null)
        {
            await admin.DisposeAsync().ConfigureAwait(false);
        }
    }
}
