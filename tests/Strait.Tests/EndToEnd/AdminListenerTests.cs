using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>A gateway whose admin listener has a bearer token and one extra host name.</summary>
public sealed class AdminListenerFixture : IAsyncLifetime
{
    public const string Token = "admin-test-token-7f3a";
    public const string ExtraHost = "gateway-admin.internal.example";

    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("strait-admin-tests-");
    private InProcessGateway? gateway;

    internal InProcessGateway Gateway => gateway!;

    public async Task InitializeAsync()
    {
        var tokenFile = Path.Combine(directory.FullName, "admin-token");
        File.WriteAllText(tokenFile, Token + "\n");
        gateway = await InProcessGateway.StartAsync($$"""
            schema:
              descriptorSets: ["{{TestSchemas.Echo}}"]
            backend:
              addresses: ["127.0.0.1:1"]
            admin:
              listen: http://127.0.0.1:0
              allowedHosts: [{{ExtraHost}}]
              tokenFile: {{tokenFile}}
            """);
    }

    public async Task DisposeAsync()
    {
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        directory.Delete(recursive: true);
    }
}

public sealed class AdminListenerTests(AdminListenerFixture fixture) : IClassFixture<AdminListenerFixture>
{
    private Uri Admin => fixture.Gateway.AdminAddress!;

    [Theory]
    [InlineData(null)]
    [InlineData("localhost")]
    [InlineData(AdminListenerFixture.ExtraHost)]
    public async Task Its_own_host_names_are_answered(string? host)
    {
        using var response = await SendAsync(HttpMethod.Get, "/clusters", host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("rebind.attacker.example")]
    [InlineData("localhost.attacker.example")]
    public async Task Another_host_name_is_misdirected_and_learns_nothing(string host)
    {
        using var response = await SendAsync(HttpMethod.Get, "/clusters", host);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("admin.allowedHosts", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:1", body, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_form_post_cannot_trigger_a_refresh()
    {
        using var form = await SendAsync(HttpMethod.Post, "/schema/refresh", content: new StringContent("a=1", Encoding.ASCII, "application/x-www-form-urlencoded"));
        using var plain = await SendAsync(HttpMethod.Post, "/schema/refresh", content: new StringContent("{}", Encoding.ASCII, "text/plain"));
        using var json = await SendAsync(HttpMethod.Post, "/schema/refresh", content: new StringContent("{}", Encoding.ASCII, "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("unchanged", JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task The_token_guards_every_answer()
    {
        using var missing = await SendAsync(HttpMethod.Get, "/schema", token: null);
        using var wrong = await SendAsync(HttpMethod.Get, "/schema", token: AdminListenerFixture.Token + "x");
        using var unknownPath = await SendAsync(HttpMethod.Get, "/nothing-here", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer realm=\"strait-admin\"", missing.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("Bearer realm=\"strait-admin\", error=\"invalid_token\"", wrong.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, unknownPath.StatusCode);
        Assert.Equal("no-store", wrong.Headers.CacheControl?.ToString());
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? host = null, string? token = AdminListenerFixture.Token, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(Admin, path)) { Content = content };
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await fixture.Gateway.Http.SendAsync(request);
    }
}
