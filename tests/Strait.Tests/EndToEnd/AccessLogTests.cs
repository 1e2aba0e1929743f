using System.Net;

namespace Strait.Tests.EndToEnd;

/// <summary>The access log line of a refused call names the status the client got, not a stand-in.</summary>
public sealed class AccessLogTests : IAsyncLifetime
{
    private BackendProcess backend = null!;
    private DirectoryInfo directory = null!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartNodeEchoAsync();
        directory = Directory.CreateTempSubdirectory("strait-access-log-");
    }

    public async Task DisposeAsync()
    {
        await backend.DisposeAsync();
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_stream_refused_by_the_per_client_cap_is_logged_as_resource_exhausted()
    {
        await using var gateway = await BackendBehindGateway.StartEchoGatewayAsync(directory, backend.Address, "streaming:\n  maxStreamsPerClient: 1");
        using var held = await gateway.Http.GetAsync("/v1/stream/held?count=100000&payloadBytes=65536", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);

        using var refused = await gateway.Http.GetAsync("/v1/stream/refused?count=1");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var line = await gateway.WaitForLogLineAsync(l => l.Contains("/v1/stream/refused", StringComparison.Ordinal) && l.Contains("→ 429", StringComparison.Ordinal));
        Assert.Contains("→ 429 RESOURCE_EXHAUSTED", line, StringComparison.Ordinal);
    }
}
