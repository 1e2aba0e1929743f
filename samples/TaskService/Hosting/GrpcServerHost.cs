using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Strait.Samples.Hosting;

/// <summary>
/// A standalone Kestrel server for gRPC services (samples, tests, Strait's own services): HTTP/2 only, so cleartext
/// clients use h2c with prior knowledge. Unknown services are answered with UNIMPLEMENTED.
/// </summary>
internal sealed class GrpcServerHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private GrpcServerHost(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    /// <summary>The bound address, with the actual port when port 0 was requested.</summary>
    public Uri Address { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>Starts a server on <paramref name="url"/>, e.g. <c>http://127.0.0.1:0</c>; https needs a certificate in the options.</summary>
    public static Task<GrpcServerHost> StartAsync(
        string url,
        Action<IEndpointRouteBuilder> map,
        GrpcServerHostOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        var uri = new Uri(url, UriKind.Absolute);
        if (!IPAddress.TryParse(uri.Host, out var address))
        {
            throw new ArgumentException("The URL must name an IP address, e.g. http://127.0.0.1:0.", nameof(url));
        }

        var wantsTls = uri.Scheme == Uri.UriSchemeHttps;
        if (wantsTls != (options?.Certificate is not null))
        {
            throw new ArgumentException("Use https:// exactly when a certificate is configured.", nameof(url));
        }

        return StartAsync(new IPEndPoint(address, uri.Port), map, options, cancellationToken);
    }

    /// <summary>Starts a server on <paramref name="endpoint"/> (port 0 picks a free port), mapping endpoints with <paramref name="map"/>.</summary>
    public static async Task<GrpcServerHost> StartAsync(
        IPEndPoint endpoint,
        Action<IEndpointRouteBuilder> map,
        GrpcServerHostOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(map);
        options ??= new GrpcServerHostOptions();

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (options.MaxConcurrentStreams is { } streams)
            {
                kestrel.Limits.Http2.MaxStreamsPerConnection = streams;
            }

            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.Certificate is { } certificate)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        options.ConfigureHttps?.Invoke(https);
                    });
                }
            });
        });
        builder.Logging.AddConsole().SetMinimumLevel(options.MinimumLogLevel);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(options.Grpc);

        var app = builder.Build();
        try
        {
            map(app);
            app.MapGrpcFallback();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            return new GrpcServerHost(app, new Uri(bound.First()));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
