using Strait.Upstream.Dns;

namespace Strait.Tests.Upstream.Dns;

/// <summary>The name checks configuration and both resolvers share.</summary>
public sealed class DnsHostNameTests
{
    [Theory]
    [InlineData("tasks.default.svc.cluster.local.", "tasks.default.svc.cluster.local")]
    [InlineData("_grpc._tcp.svc", "_grpc._tcp.svc")]
    [InlineData("localhost", "localhost")]
    public void Host_names_are_sent_without_the_trailing_dot(string host, string expected)
    {
        Assert.True(DnsHostName.TryNormalize(host, out var name, out var error), error);
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData("a b")]
    [InlineData(@"a\.b")]
    [InlineData("h\u00e9.example")]
    public void Names_that_cannot_be_sent_as_is_are_refused(string host)
    {
        Assert.False(DnsHostName.TryNormalize(host, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void A_label_longer_than_63_characters_is_refused()
    {
        Assert.False(DnsHostName.TryNormalize(new string('x', 64) + ".example", out _, out var error));
        Assert.Contains("label of 64 characters", error, StringComparison.Ordinal);
        Assert.True(DnsHostName.TryNormalize(new string('x', 63) + ".example", out _, out _));
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("fd00::1", "fd00::1")]
    [InlineData("[fd00::1]", "fd00::1")]
    [InlineData("10.1", null)]
    [InlineData("1234", null)]
    [InlineData("tasks", null)]
    public void Only_canonical_ip_literals_skip_the_query(string host, string? expected)
    {
        Assert.Equal(expected is not null, DnsHostName.TryParseAddressLiteral(host, out var address));
        Assert.Equal(expected, address?.ToString());
    }
}
