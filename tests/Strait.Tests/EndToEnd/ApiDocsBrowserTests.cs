using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Strait.Tests.EndToEnd;

/// <summary>Headless Chromium loads Strait's <c>/docs</c> (Swagger UI on the generated OpenAPI document) for the reflected demo.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiDocsBrowserTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> console = new();
    private BackendProcess backend = null!;
    private GatewayProcess gateway = null!;
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartTaskServiceAsync();
        gateway = await GatewayProcess.StartAsync("--backend", backend.Address, "--reflect");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = BrowserTests.FindChromium(), Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        if (backend is not null)
        {
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_docs_page_shows_the_demos_operations()
    {
        var page = await browser.NewPageAsync();
        page.Console += (_, message) => console.Enqueue($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Enqueue($"page error: {error}");

        var response = await page.GotoAsync(new Uri(gateway.Address, "/docs").ToString());
        Assert.Equal(200, response!.Status);
        try
        {
            await page.WaitForSelectorAsync(".opblock-summary-path", new() { Timeout = 30_000 });
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"Swagger UI showed no operation in 30 s: {e.Message}\n{string.Join('\n', console)}");
        }

        var operations = await page.EvalOnSelectorAllAsync<string[]>(
            ".opblock",
            "blocks => blocks.map(b => b.querySelector('.opblock-summary-method').textContent + ' ' + b.querySelector('.opblock-summary-path').getAttribute('data-path'))");
        Assert.Contains("POST /v1/tasks", operations);
        Assert.Contains("GET /v1/tasks/{name}", operations);
        Assert.Contains("PATCH /v1/tasks/{name}", operations);
        Assert.Contains("POST /v1/tasks:batchCreate", operations);
        Assert.Contains("todo.v1.TaskService", await page.InnerTextAsync(".opblock-tag-section"));
        Assert.DoesNotContain(console, line => line.StartsWith("page error", StringComparison.Ordinal));
    }
}
