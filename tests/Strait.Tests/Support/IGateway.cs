using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Strait.Tests.Support;

/// <summary>A running gateway as tests reach it: <see cref="GatewayProcess"/> (the real CLI) or <see cref="InProcessGateway"/>.</summary>
internal interface IGateway : IAsyncDisposable
{
    /// <summary>The first <c>listen</c> URL.</summary>
    Uri Address { get; }

    /// <summary>The admin listener, when the configuration sets <c>admin.listen</c>.</summary>
    Uri? AdminAddress { get; }

    /// <summary>The HTTP/2-only listener for gRPC clients, when the configuration sets <c>http2Listen</c>.</summary>
    Uri? Http2Address { get; }

    /// <summary>A client whose base address is <see cref="Address"/>.</summary>
    HttpClient Http { get; }

    /// <summary>What the gateway has logged so far.</summary>
    string Output { get; }

    Task<string> WaitForLogLineAsync(Func<string, bool> match);
}

/// <summary>Requests every gateway test sends.</summary>
internal static class GatewayRequests
{
    /// <summary>The admin view of the clusters (<c>GET /clusters</c>).</summary>
    public static async Task<JsonElement> GetClustersAsync(this IGateway gateway)
    {
        var admin = gateway.AdminAddress ?? throw new InvalidOperationException("the gateway was started without admin.listen");
        var text = await gateway.Http.GetStringAsync(new Uri(admin, "/clusters"));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> SendJsonAsync(this IGateway gateway, HttpMethod method, string path, string? json, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return gateway.Http.SendAsync(request);
    }
}
