namespace Strait.Tests.Support;

/// <summary>`strait serve` as a real process on a loopback port it picks itself.</summary>
internal sealed class GatewayProcess : IGateway
{
    private readonly ChildProcess process;

    private GatewayProcess(ChildProcess process, Uri address, Uri? adminAddress, Uri? http2Address)
    {
        this.process = process;
        Address = address;
        AdminAddress = adminAddress;
        Http2Address = http2Address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public Uri? AdminAddress { get; }

    public Uri? Http2Address { get; }

    public HttpClient Http { get; }

    /// <summary>The process id, for tests that watch its memory.</summary>
    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    public string Output => process.Output;

    public Task<string> WaitForLogLineAsync(Func<string, bool> match) => process.WaitForLineAsync(match);

    public static Task<GatewayProcess> StartAsync(params string[] serveArguments) => StartAsync(null, serveArguments);

    public static Task<GatewayProcess> StartAsync(IReadOnlyDictionary<string, string>? environment, params string[] serveArguments) =>
        StartListeningAsync("http://127.0.0.1:0", environment, serveArguments);

    /// <summary>Starts the gateway on <paramref name="listen"/> (an https:// URL, say) instead of a cleartext loopback port.</summary>
    public static async Task<GatewayProcess> StartListeningAsync(string listen, IReadOnlyDictionary<string, string>? environment, params string[] serveArguments)
    {
        var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "serve", "--listen", listen, .. serveArguments], environment);
        try
        {
            var ready = await process.WaitForLineAsync(line => line.StartsWith("strait: serving", StringComparison.Ordinal));
            var url = ready[(ready.LastIndexOf(" on ", StringComparison.Ordinal) + 4)..].Split(',')[0].Trim();
            const string adminPrefix = "strait: admin on ";
            const string http2Prefix = "strait: HTTP/2 (gRPC) on ";
            var lines = process.Output.Split('\n');
            var admin = lines.FirstOrDefault(line => line.StartsWith(adminPrefix, StringComparison.Ordinal));
            var http2 = lines.FirstOrDefault(line => line.StartsWith(http2Prefix, StringComparison.Ordinal));
            return new GatewayProcess(
                process,
                new Uri(url),
                admin is null ? null : new Uri(admin[adminPrefix.Length..].Split(',')[0].Trim()),
                http2 is null ? null : new Uri(http2[http2Prefix.Length..].Split(',')[0].Trim()));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await process.DisposeAsync();
    }
}
