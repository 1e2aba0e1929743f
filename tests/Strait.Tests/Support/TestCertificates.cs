using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Strait.Tests.Support;

/// <summary>A private CA with a server certificate for 127.0.0.1 and a client certificate, made fresh per test.</summary>
internal sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private TestCertificates(X509Certificate2 authority, X509Certificate2 server, X509Certificate2 client, string authorityPemPath)
    {
        Authority = authority;
        Server = server;
        Client = client;
        AuthorityPemPath = authorityPemPath;
    }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    /// <summary>The CA certificate as a PEM bundle file, as an operator would configure it.</summary>
    public string AuthorityPemPath { get; }

    public static TestCertificates Create()
    {
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(1);

        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=Strait Wire Test CA", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        var authority = authorityRequest.CreateSelfSigned(notBefore, notAfter);

        var sans = new SubjectAlternativeNameBuilder();
        sans.AddIpAddress(IPAddress.Loopback);
        sans.AddDnsName("localhost");
        var server = Issue(authority, "CN=127.0.0.1", ServerAuth, sans.Build(), notBefore, notAfter, serial: 1);
        var client = Issue(authority, "CN=strait-wire-test-client", ClientAuth, extraExtension: null, notBefore, notAfter, serial: 2);

        var pemPath = Path.Combine(Path.GetTempPath(), $"strait-wire-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(pemPath, authority.ExportCertificatePem());
        return new TestCertificates(authority, server, client, pemPath);
    }

    public void Dispose()
    {
        File.Delete(AuthorityPemPath);
        Authority.Dispose();
        Server.Dispose();
        Client.Dispose();
    }

    private static X509Certificate2 Issue(
        X509Certificate2 authority,
        string subject,
        Oid usage,
        X509Extension? extraExtension,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        byte serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        if (extraExtension is not null)
        {
            request.CertificateExtensions.Add(extraExtension);
        }

        using var issued = request.Create(authority, notBefore, notAfter, [serial]);
        using var withKey = issued.CopyWithPrivateKey(key);
        // A PKCS#12 round trip gives the key a form every TLS backend accepts.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), password: null);
    }
}
