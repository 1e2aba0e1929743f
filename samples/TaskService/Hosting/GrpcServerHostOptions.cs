using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

using Strait.Wire;

namespace Strait.Samples.Hosting;

/// <summary>Settings of a <see cref="GrpcServerHost"/>.</summary>
internal sealed class GrpcServerHostOptions
{
    /// <summary>The options the mapped gRPC services use.</summary>
    public GrpcServerOptions Grpc { get; set; } = new();

    /// <summary>The server certificate (with private key); when set the host speaks TLS with ALPN h2, otherwise h2c.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Further TLS settings, e.g. requiring client certificates; used only with <see cref="Certificate"/>.</summary>
    public Action<HttpsConnectionAdapterOptions>? ConfigureHttps { get; set; }

    /// <summary>The SETTINGS_MAX_CONCURRENT_STREAMS the server advertises on each connection; Kestrel's default (100) when null.</summary>
    public int? MaxConcurrentStreams { get; set; }

    /// <summary>The least severe log level written to the console.</summary>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Warning;
}
