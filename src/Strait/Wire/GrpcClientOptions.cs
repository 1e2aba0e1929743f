using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Strait.Wire;

/// <summary>Settings of a <see cref="GrpcClient"/>, read once when the client is constructed.</summary>
internal sealed class GrpcClientOptions
{
    /// <summary>How long establishing a connection (TCP and TLS) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle pooled connection is kept.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Idle time before an HTTP/2 PING checks the connection; <see cref="Timeout.InfiniteTimeSpan"/> disables pings.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a keep-alive PING may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Age after which a connection takes no new calls (its running calls finish) and a fresh one is opened;
    /// <see cref="Timeout.InfiniteTimeSpan"/> (default) keeps connections while they work.
    /// </summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Dial this address instead of resolving the URI's host, which still names the server (TLS server name,
    /// <c>:authority</c>). How one DNS name's several addresses each get a client of their own.
    /// </summary>
    public System.Net.EndPoint? ConnectEndPoint { get; set; }

    /// <summary>Opens further HTTP/2 connections when one reaches the server's concurrent stream limit.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>The largest response message accepted, compressed and decompressed. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcFrameReader.DefaultMaxMessageSize;

    /// <summary>The largest request message sent (uncompressed size); larger ones fail locally. No limit by default.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Compression of request messages; responses are always accepted gzip-compressed.</summary>
    public GrpcCompression RequestCompression { get; set; }

    /// <summary>
    /// A PEM file of CA certificates that are the only trust anchors for <c>https://</c> upstreams (instead of the
    /// system store). Revocation is not checked against such a private CA.
    /// </summary>
    public string? TrustedCaCertificatesPath { get; set; }

    /// <summary>Custom validation of the upstream's certificate; runs after the chain was built with the settings above.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidationCallback { get; set; }

    /// <summary>The certificate (with private key) presented for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The <c>user-agent</c> sent with every call.</summary>
    public string UserAgent { get; set; } = "grpc-dotnet-strait/1.0";

    /// <summary>
    /// Replaces the <see cref="SocketsHttpHandler"/> the client would build (the connection and TLS settings above are
    /// then ignored). The client does not dispose it.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>A copy taken by the client, so later changes to this instance cannot race with calls in flight.</summary>
    internal GrpcClientOptions Snapshot()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReceiveMessageSize);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxSendMessageSize);
        ArgumentNullException.ThrowIfNull(UserAgent);
        return (GrpcClientOptions)MemberwiseClone();
    }
}
