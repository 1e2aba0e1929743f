using Microsoft.AspNetCore.Server.Kestrel.Https;
using Strait.Samples.Hosting;
using Strait.Tests.Wire.Protos;
using Strait.Wire;
using static Strait.Tests.Wire.WireTestHost;

namespace Strait.Tests.Wire;

public sealed class TlsTests
{
    [Fact]
    public async Task Upstream_certificate_from_a_custom_ca_is_trusted_and_h2_negotiated()
    {
        using var certificates = TestCertificates.Create();
        var service = new EchoService();
        await using var server = await StartTlsAsync(service, certificates);
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { TrustedCaCertificatesPath = certificates.AuthorityPemPath });

        using var result = await CallAsync(client, "Echo", new EchoRequest { Text = "secure" });

        Assert.Equal("https", server.Address.Scheme);
        Assert.Equal("secure", ParseReply(result).Text);
        Assert.Equal("HTTP/2 https", service.LastTransport);
    }

    [Fact]
    public async Task Untrusted_upstream_certificate_is_unavailable_transport()
    {
        using var certificates = TestCertificates.Create();
        var service = new EchoService();
        await using var server = await StartTlsAsync(service, certificates);
        using var client = new GrpcClient(server.Address);

        using var result = await CallAsync(client, "Echo", new EchoRequest());

        Assert.Equal(GrpcStatusCode.Unavailable, result.Status.Code);
        Assert.Equal(StatusOrigin.Transport, result.Status.Origin);
        Assert.Equal("The TLS handshake with the upstream failed.", result.Status.Message);
        Assert.Equal(0, service.Calls);
    }

    [Fact]
    public async Task Validation_callback_decides_about_the_upstream_certificate()
    {
        using var certificates = TestCertificates.Create();
        await using var server = await StartTlsAsync(new EchoService(), certificates);
        using var client = new GrpcClient(server.Address, new GrpcClientOptions
        {
            ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == certificates.Server.GetCertHashString(),
        });

        using var result = await CallAsync(client, "Echo", new EchoRequest { Text = "pinned" });

        Assert.Equal("pinned", ParseReply(result).Text);
    }

    [Fact]
    public async Task Client_certificate_is_presented_for_mutual_tls()
    {
        using var certificates = TestCertificates.Create();
        var service = new EchoService();
        await using var server = await StartTlsAsync(service, certificates, https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => certificate.Thumbprint == certificates.Client.Thumbprint;
        });
        using var withCertificate = new GrpcClient(server.Address, new GrpcClientOptions
        {
            TrustedCaCertificatesPath = certificates.AuthorityPemPath,
            ClientCertificate = certificates.Client,
        });
        using var withoutCertificate = new GrpcClient(server.Address, new GrpcClientOptions
        {
            TrustedCaCertificatesPath = certificates.AuthorityPemPath,
        });

        using var accepted = await CallAsync(withCertificate, "Echo", new EchoRequest { Text = "mutual" });
        using var refused = await CallAsync(withoutCertificate, "Echo", new EchoRequest());

        Assert.Equal("mutual", ParseReply(accepted).Text);
        Assert.Equal(GrpcStatusCode.Unavailable, refused.Status.Code);
        Assert.Equal(1, service.Calls);
    }

    private static Task<GrpcServerHost> StartTlsAsync(EchoService service, TestCertificates certificates, Action<HttpsConnectionAdapterOptions>? configureHttps = null) =>
        GrpcServerHost.StartAsync(
            "https://127.0.0.1:0",
            endpoints => endpoints.MapGrpcService(service.Definition),
            new GrpcServerHostOptions { Certificate = certificates.Server, ConfigureHttps = configureHttps });
}
