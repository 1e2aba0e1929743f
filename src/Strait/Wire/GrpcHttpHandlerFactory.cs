using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Strait.Wire;

/// <summary>Builds the <see cref="SocketsHttpHandler"/> behind a <see cref="GrpcClient"/>.</summary>
internal static class GrpcHttpHandlerFactory
{
    public static SocketsHttpHandler Create(GrpcClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            // Upstreams are addressed directly; an ambient HTTP_PROXY would break h2c prior knowledge.
            UseProxy = false,
            // Strait forwards traceparent/tracestate itself, as metadata; the diagnostics handler this removes cost
            // an Activity per call on top.
            ActivityHeadersPropagator = null,
        };

        if (options.ConnectEndPoint is { } dial)
        {
            handler.ConnectCallback = (_, cancellationToken) => ConnectAsync(dial, cancellationToken);
        }

        if (options.TrustedCaCertificatesPath is { } caPath)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caPath);
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        if (options.ServerCertificateValidationCallback is { } callback)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = callback;
        }

        if (options.ClientCertificate is { } clientCertificate)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return handler;
    }

    private static async ValueTask<Stream> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
