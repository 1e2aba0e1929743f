using Microsoft.AspNetCore.Http;
using Strait.Configuration;
using Strait.Hosting;

namespace Strait.Tests.Hosting;

public sealed class AdminAccessTests
{
    private const string Token = "0123456789abcdef-token";

    [Theory]
    [InlineData("localhost:9901", true)]
    [InlineData("LOCALHOST.", true)]
    [InlineData("127.0.0.1:9901", true)]
    [InlineData("[::1]:9901", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("admin.internal.example", true)]
    [InlineData("gateway-host", true)]
    [InlineData("rebind.attacker.example", false)]
    [InlineData("localhost.attacker.example", false)]
    [InlineData("127.0.0.1.attacker.example", false)]
    [InlineData("", false)]
    public void Only_its_own_host_names_are_answered(string host, bool answered)
    {
        var access = AdminAccess.Create(new AdminOptions { AllowedHosts = ["admin.internal.example"] }, "gateway-host");

        Assert.Equal(answered, access.IsOwnHost(new HostString(host)));
    }

    [Fact]
    public void A_wildcard_listen_host_names_nothing()
    {
        var access = AdminAccess.Create(new AdminOptions(), "*");

        Assert.False(access.IsOwnHost(new HostString("*")));
        Assert.True(access.IsOwnHost(new HostString("localhost")));
    }

    [Theory]
    [InlineData(null, nameof(AdminCredential.Missing))]
    [InlineData("Basic dXNlcjpwYXNz", nameof(AdminCredential.Missing))]
    [InlineData("Bearer " + Token, nameof(AdminCredential.Accepted))]
    [InlineData("bearer  " + Token + " ", nameof(AdminCredential.Accepted))]
    [InlineData("Bearer " + Token + "x", nameof(AdminCredential.Invalid))]
    [InlineData("Bearer ", nameof(AdminCredential.Invalid))]
    public void The_token_is_checked_when_one_is_configured(string? authorization, string expected)
    {
        var access = AdminAccess.Create(new AdminOptions { Token = Token }, "127.0.0.1");

        Assert.Equal(Enum.Parse<AdminCredential>(expected), access.Check(authorization));
        Assert.Equal(AdminCredential.Accepted, AdminAccess.Create(new AdminOptions(), "127.0.0.1").Check(authorization));
    }

    [Fact]
    public void The_challenge_says_invalid_token_only_when_one_was_sent()
    {
        Assert.Equal("Bearer realm=\"strait-admin\"", AdminAccess.Challenge(AdminCredential.Missing));
        Assert.Equal("Bearer realm=\"strait-admin\", error=\"invalid_token\"", AdminAccess.Challenge(AdminCredential.Invalid));
    }
}
