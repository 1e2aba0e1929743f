using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Strait.Upstream;

namespace Strait.Hosting;

/// <summary>
/// The admin listener, apart from the gateway's so that it can stay on a private interface: <c>GET /clusters</c>
/// answers the upstream state as JSON. Read-only.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private AdminServer(WebApplication app, IReadOnlyList<string> urls)
    {
        this.app = app;
        Urls = urls;
    }

    public IReadOnlyList<string> Urls { get; }

    public static async Task<AdminServer> StartAsync(string url, GatewaySnapshotHolder snapshots, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(QuietHost.Options());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.Run(context => HandleAsync(context, snapshots));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new StraitConfigurationException($"cannot listen on admin.listen '{url}': {e.Message}", e);
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        return new AdminServer(app, addresses);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task HandleAsync(HttpContext context, GatewaySnapshotHolder snapshots)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return;
        }

        if (context.Request.Path != "/clusters")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"endpoints":["/clusters"]}""", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        using var buffer = new Wire.PooledBufferWriter(4096);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            ClusterStatusWriter.Write(json, snapshots.Current.Upstream, DateTime.UtcNow);
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
