using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Strait.Echo.V1;
using Strait.Wire;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// One TLS port for every edge: ALPN gives gRPC clients HTTP/2 and REST clients HTTP/1.1 on the same
/// <c>https://</c> listener (<c>listenProtocols: http1AndHttp2</c>), with a certificate from PEM files.
/// </summary>
public sealed class TlsListenerTests : IAsyncLifetime
{
    private BackendBehindGateway stack = null!;
    private X509Certificate2 certificate = null!;

    public async Task InitializeAsync() => stack = await BackendBehindGateway.StartAsync(BackendProcess.StartNodeEchoAsync, StartGatewayAsync);

    public async Task DisposeAsync()
    {
        await stack.DisposeAsync();
        certificate.Dispose();
    }

    private async Task<GatewayProcess> StartGatewayAsync(DirectoryInfo directory, BackendProcess backend)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(directory.FullName, "tls.crt");
        var keyPath = Path.Combine(directory.FullName, "tls.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        var protos = Path.Combine(RepositoryPaths.NodeEcho, "protos");
        var config = BackendBehindGateway.ConfigFile(directory);
        await File.WriteAllTextAsync(config, $"""
            listenProtocols: http1AndHttp2
            tls:
              certificate: {certificatePath}
              key: {keyPath}
            schema:
              protos: ["{Path.Combine(protos, "stream.proto")}"]
              protoPaths: ["{protos}"]
            backend:
              addresses: ["{backend.Address}"]
            http:
              rules:
                - selector: strait.echo.v1.StreamService.ServerStream
                  get: "/v1/stream/{"{text}"}"
            """);
        return await GatewayProcess.StartListeningAsync("https://127.0.0.1:0", null, "--config", config);
    }

    [Fact]
    public async Task Grpc_clients_get_http2_and_rest_clients_http11_on_the_same_tls_port()
    {
        Assert.Equal("https", stack.Gateway.Address.Scheme);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString();
        using var client = new GrpcClient(stack.Gateway.Address, new GrpcClientOptions { HttpHandler = handler });
        await using (var call = await StreamServiceCalls.StartServerStreamAsync(client, new StreamRequest { Text = "tls", Count = 3 }, DateTime.UtcNow.AddSeconds(20)))
        {
            var replies = await StreamServiceCalls.ReadAllAsync(call);
            Assert.Equal(GrpcStatusCode.Ok, call.GetStatus().Code);
            Assert.Equal([0, 1, 2], replies.Select(r => r.Index));
        }

        using var restHandler = new SocketsHttpHandler();
        restHandler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString();
        using var http = new HttpClient(restHandler) { BaseAddress = stack.Gateway.Address };
        using var response = await http.GetAsync("/v1/stream/rest?count=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
        Assert.Equal(2, (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
