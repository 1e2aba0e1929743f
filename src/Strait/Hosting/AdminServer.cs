using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Strait.Buffers;
using Strait.Configuration;
using Strait.Gateway;
using Strait.Upstream;
using Strait.Wire;

namespace Strait.Hosting;

/// <summary>
/// The admin listener, apart from the gateway's so that it can stay on a private interface: <c>GET /clusters</c>
/// answers the upstream state as JSON, <c>GET /schema</c> the schema's state and refresh counters, and
/// <c>POST /schema/refresh</c> (with a JSON content type) reflects the backends again now. Only requests to its own
/// host names, and with <c>admin.token</c> only bearers of it, are answered (<see cref="AdminAccess"/>).
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

    public static async Task<AdminServer> StartAsync(AdminOptions options, SchemaRefresher refresher, CancellationToken cancellationToken)
    {
        var url = options.Listen ?? throw new ArgumentException("admin.listen is not set", nameof(options));
        var access = AdminAccess.Create(options, new Uri(url).IdnHost);
        var builder = WebApplication.CreateSlimBuilder(QuietHost.Options());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.Run(context => HandleAsync(context, access, refresher));
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

    private static async Task HandleAsync(HttpContext context, AdminAccess access, SchemaRefresher refresher)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (!access.IsOwnHost(context.Request.Host))
        {
            await RefuseAsync(
                context,
                StatusCodes.Status421MisdirectedRequest,
                "The admin listener answers its own host names only: localhost, IP addresses, the admin.listen host and admin.allowedHosts.").ConfigureAwait(false);
            return;
        }

        var credential = access.Check(context.Request.Headers.Authorization.Count == 1 ? context.Request.Headers.Authorization[0] : null);
        if (credential != AdminCredential.Accepted)
        {
            context.Response.Headers.WWWAuthenticate = AdminAccess.Challenge(credential);
            await RefuseAsync(
                context,
                StatusCodes.Status401Unauthorized,
                credential == AdminCredential.Missing ? "The admin listener needs the admin.token as a bearer token." : "The bearer token is not the admin.token.").ConfigureAwait(false);
            return;
        }

        var path = context.Request.Path.Value;
        var method = context.Request.Method;
        if (path == "/schema/refresh")
        {
            if (!HttpMethods.IsPost(method))
            {
                await RefuseMethodAsync(context, "POST").ConfigureAwait(false);
                return;
            }

            // A JSON content type makes the request non-simple: a cross-site page cannot send it without a CORS
            // preflight, which this listener never grants, so a form post cannot trigger refreshes.
            if (!IsJson(context.Request.ContentType))
            {
                await RefuseAsync(
                    context,
                    StatusCodes.Status415UnsupportedMediaType,
                    "POST /schema/refresh needs Content-Type: application/json (the body may be empty).").ConfigureAwait(false);
                return;
            }

            // The refresh runs to its end even if this client leaves: its result is the gateway's, not the caller's.
            var outcome = await refresher.RefreshAsync().WaitAsync(context.RequestAborted).ConfigureAwait(false);
            await WriteJsonAsync(context, json => SchemaStatusWriter.Write(json, refresher.Status, refresher.Snapshots.Current, outcome)).ConfigureAwait(false);
            return;
        }

        if (path is not ("/clusters" or "/schema"))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"endpoints":["GET /clusters","GET /schema","POST /schema/refresh"]}""", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            await RefuseMethodAsync(context, "GET, HEAD").ConfigureAwait(false);
            return;
        }

        var snapshot = refresher.Snapshots.Current;
        await WriteJsonAsync(context, json =>
        {
            if (path == "/clusters")
            {
                ClusterStatusWriter.Write(json, snapshot.Runtime.Clusters, DateTime.UtcNow);
            }
            else
            {
                SchemaStatusWriter.Write(json, refresher.Status, snapshot, outcome: null);
            }
        }).ConfigureAwait(false);
    }

    private static bool IsJson(string? contentType) => MediaType.Is(contentType, "application/json");

    private static async Task RefuseAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("error", error);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static Task RefuseMethodAsync(HttpContext context, string allow)
    {
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = allow;
        return Task.CompletedTask;
    }

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new PooledBufferWriter(4096);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(json);
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
