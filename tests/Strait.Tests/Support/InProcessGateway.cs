using Strait.Configuration;
using Strait.Gateway;
using Strait.Hosting;

namespace Strait.Tests.Support;

/// <summary>
/// The gateway inside the test process: the configuration a test writes, loaded as <c>strait serve --config</c> loads
/// it, into a <see cref="GatewayRuntime"/> that <see cref="GatewayServer"/> serves on a loopback port it picks itself.
/// Starts in a fraction of a <see cref="GatewayProcess"/>'s time; its log lines are kept for the test to read.
/// </summary>
internal sealed class InProcessGateway : IGateway
{
    private readonly GatewayRuntime runtime;
    private readonly GatewayServer server;
    private readonly LineLog log;

    private InProcessGateway(GatewayRuntime runtime, GatewayServer server, LineLog log)
    {
        this.runtime = runtime;
        this.server = server;
        this.log = log;
        Address = new Uri(server.Urls[0]);
        AdminAddress = server.AdminUrls.Count > 0 ? new Uri(server.AdminUrls[0]) : null;
        Http2Address = server.Http2Urls.Count > 0 ? new Uri(server.Http2Urls[0]) : null;
        Http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public Uri? AdminAddress { get; }

    public Uri? Http2Address { get; }

    public HttpClient Http { get; }

    public string Output => log.Text;

    public Task<string> WaitForLogLineAsync(Func<string, bool> match) => log.WaitForLineAsync(match);

    /// <summary>Starts a gateway configured by <paramref name="yaml"/> (a <c>strait.yaml</c>), listening on <paramref name="listen"/>.</summary>
    public static async Task<InProcessGateway> StartAsync(string yaml, string listen = "http://127.0.0.1:0")
    {
        var directory = Directory.CreateTempSubdirectory("strait-in-process-");
        StraitSettings settings;
        try
        {
            var config = Path.Combine(directory.FullName, "strait.yaml");
            await File.WriteAllTextAsync(config, yaml);
            settings = StraitConfiguration.Load(config, new Dictionary<string, string?> { ["Listen"] = listen });
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        var runtime = GatewayRuntime.Create(settings);
        var log = new LineLog();
        try
        {
            var server = await GatewayServer.StartAsync(runtime, CancellationToken.None, logOutput: new LineLogStream(log));
            return new InProcessGateway(runtime, server, log);
        }
        catch
        {
            await runtime.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await server.DisposeAsync();
        await runtime.DisposeAsync();
    }
}
