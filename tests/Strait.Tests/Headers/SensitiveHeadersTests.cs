using Strait.Headers;
using static Strait.Tests.Headers.HeaderMappingTestSupport;

namespace Strait.Tests.Headers;

public sealed class SensitiveHeadersTests
{
    [Theory]
    [InlineData("authorization")]
    [InlineData("Cookie")]
    [InlineData("set-cookie")]
    [InlineData("Proxy-Authorization")]
    [InlineData("X-API-Key")]
    public void Every_built_in_sensitive_header_is_masked_without_configuration(string header)
    {
        Assert.Equal("<6 characters, masked>", SensitiveHeaders.Show(header, Plan(), "s3cr3t"));
    }

    [Fact]
    public void A_header_neither_built_in_nor_configured_is_shown_as_is()
    {
        Assert.Equal("acme", SensitiveHeaders.Show("X-Tenant", Plan(), "acme"));
        Assert.Equal("<4 characters, masked>", SensitiveHeaders.Show("x-tenant", Plan(new HeaderMappingOptions { SensitiveHeaders = ["X-Tenant"] }), "acme"));
    }
}
