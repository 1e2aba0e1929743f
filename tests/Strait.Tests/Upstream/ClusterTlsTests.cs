using System.Net;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Strait.Samples.Hosting;
using Strait.Tests.Wire;
using Strait.Tests.Wire.Protos;
using Strait.Upstream;
using Strait.Upstream.Dns;
using Strait.Wire;

namespace Strait.Tests.Upstream;

/// <summary>
/// A TLS cluster found through DNS: Strait dials the resolved address but names the host (SNI, certificate check,
/// <c>:authority</c>), with the cluster's private CA and client certificate for mutual TLS.
/// </summary>
public sealed class ClusterTlsTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("strait-cluster-tls-");
    private readonly TestCertificates certificates = TestCertificates.Create();

    public void Dispose()
    {
        certificates.Dispose();
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_dns_named_tls_endpoint_is_verified_by_its_host_name_and_presented_the_client_certificate()
    {
        await using var server = await StartMutualTlsAsync();
        var options = new ClusterOptions
        {
            Addresses = [$"https://localhost:{server.Address.Port}"],
            CaCertificate = certificates.AuthorityPemPath,
            ClientCertificate = WritePem("client.pem", certificates.Client.ExportCertificatePem()),
            ClientKey = WritePem("client.key", certificates.Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
        };
        await using var cluster = await StartAsync(options);

        Assert.Equal("127.0.0.1:" + server.Address.Port + " (localhost)", cluster.Endpoints.Single().Key.ToString());
        Assert.Equal(GrpcStatusCode.Ok, await CallAsync(cluster));
    }

    [Fact]
    public async Task Without_the_client_certificate_or_the_ca_the_call_fails_as_unavailable()
    {
        await using var server = await StartMutualTlsAsync();
        await using var noClientCertificate = await StartAsync(new ClusterOptions
        {
            Addresses = [$"https://localhost:{server.Address.Port}"],
            CaCertificate = certificates.AuthorityPemPath,
        });
        await using var noCa = await StartAsync(new ClusterOptions { Addresses = [$"https://localhost:{server.Address.Port}"] });

        Assert.Equal(GrpcStatusCode.Unavailable, await CallAsync(noClientCertificate));
        Assert.Equal(GrpcStatusCode.Unavailable, await CallAsync(noCa));
    }

    private string WritePem(string name, string pem)
    {
        var path = Path.Combine(directory.FullName, name);
        File.WriteAllText(path, pem);
        return path;
    }

    private static async Task<UpstreamCluster> StartAsync(ClusterOptions options)
    {
        var errors = new List<string>();
        var settings = ClusterSettings.TryCreate("tls", "clusters.tls", options, errors, (_, _) => new LoopbackResolver());
        Assert.True(settings is not null, string.Join("; ", errors));
        var cluster = new UpstreamCluster(settings);
        await cluster.StartAsync(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        return cluster;
    }

    private static async Task<GrpcStatusCode> CallAsync(UpstreamCluster cluster)
    {
        var lease = cluster.TryPick(null) ?? throw new InvalidOperationException("no endpoint");
        using var result = await lease.InvokeUnaryAsync("/" + EchoService.Name + "/Echo", new EchoRequest { Text = "tls" }.ToByteArray(), null, DateTime.UtcNow.AddSeconds(10), CancellationToken.None);
        return result.Status.Code;
    }

    private Task<GrpcServerHost> StartMutualTlsAsync() =>
        GrpcServerHost.StartAsync(
            "https://127.0.0.1:0",
            endpoints => endpoints.MapGrpcService(new EchoService().Definition),
            new GrpcServerHostOptions
            {
                Certificate = certificates.Server,
                ConfigureHttps = https =>
                {
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) => certificate.Thumbprint == certificates.Client.Thumbprint;
                },
            });

    /// <summary>"localhost" is 127.0.0.1 only, whatever the machine's resolver says about ::1.</summary>
    private sealed class LoopbackResolver : IDnsResolver
    {
        public Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<IPAddress>>([IPAddress.Loopback]);

        public Task<IReadOnlyList<IPEndPoint>> ResolveServiceAsync(string name, CancellationToken cancellationToken) =>
            throw new NotSupportedException("this test configures no SRV name");
    }
}
