using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Strait.Tests.EndToEnd;

/// <summary>The browser page against the @grpc/grpc-js backend.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserTests : EchoBrowserTests
{
    private protected override Task<BackendProcess> StartBackendAsync() => BackendProcess.StartNodeEchoAsync();
}

/// <summary>The browser page against the Grpc.AspNetCore backend, which serves the same echo contract.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DotnetBrowserTests : EchoBrowserTests
{
    private protected override Task<BackendProcess> StartBackendAsync() => BackendProcess.StartGrpcDotnetAsync();
}

/// <summary>The browser page against TaskService: a task created over grpc-web and read back over REST.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TaskServiceBrowserTests : BrowserPageTests
{
    private protected override Task<BackendProcess> StartBackendAsync() => BackendProcess.StartTaskServiceAsync();

    private protected override Task<GatewayProcess> StartGatewayAsync(DirectoryInfo directory, BackendProcess backend) =>
        GatewayProcess.StartAsync(new Dictionary<string, string> { ["STRAIT_CORS__ALLOWEDORIGINS__0"] = "*" }, "--backend", backend.Address, "--reflect");

    [Fact]
    public async Task A_page_of_another_origin_creates_a_task_over_grpc_web_and_reads_it_over_rest()
    {
        var (results, context) = await RunPageAsync("todo");

        var created = results.GetProperty("todo");
        Assert.True(created.GetProperty("httpStatus").GetInt32() == 200, context);
        Assert.True(Trailer(created, "grpc-status") == "0", context);
        Assert.True(created.GetProperty("title").GetString() == "from the browser", context);
        Assert.True(created.GetProperty("name").GetString()!.StartsWith("tasks/", StringComparison.Ordinal), context);
        Assert.True(created.GetProperty("restTitle").GetString() == "from the browser", context);
    }
}

/// <summary>The echo page: grpc-web unary and server streaming, and Server-Sent Events.</summary>
public abstract class EchoBrowserTests : BrowserPageTests
{
    [Fact]
    public async Task A_page_of_another_origin_calls_grpc_web_and_server_sent_events()
    {
        var (results, context) = await RunPageAsync("echo");

        var unary = results.GetProperty("unary");
        Assert.True(unary.TryGetProperty("id", out var id) && id.GetString() == "browser-1", context);
        Assert.True(unary.GetProperty("httpStatus").GetInt32() == 200, context);
        Assert.True(Trailer(unary, "grpc-status") == "0", context);

        var stream = results.GetProperty("serverStream");
        Assert.True(stream.TryGetProperty("indexes", out var indexes) && indexes.EnumerateArray().Select(i => i.GetInt32()).SequenceEqual([0, 1, 2]), context);
        Assert.True(stream.GetProperty("texts").EnumerateArray().All(t => t.GetString() == "web"), context);
        // The status must come in the trailer frame, after the messages, with nothing left over.
        Assert.True(Trailer(stream, "grpc-status") == "0", context);
        Assert.True(stream.GetProperty("leftoverBytes").GetInt32() == 0, context);

        var sse = results.GetProperty("sse");
        Assert.False(sse.TryGetProperty("error", out _), context);
        var events = sse.GetProperty("events").EnumerateArray().ToList();
        Assert.True(events.Count == 3, context);
        Assert.All(events, e => Assert.True(e.GetProperty("type").GetString() == "message" && e.GetProperty("data").GetProperty("text").GetString() == "sse", context));
        Assert.True(events.Select(e => e.GetProperty("id").GetString()).SequenceEqual(["0", "1", "2"]), context);
    }
}

/// <summary>
/// A real browser (headless Chromium driven by Playwright) calling an echo backend through Strait from a page of
/// another origin: grpc-web unary and server streaming with <c>fetch</c>, and Server-Sent Events with
/// <c>EventSource</c>. Everything a browser adds on its own is in play here: CORS preflights, the exposed-header
/// rules, streamed response bodies and EventSource's event parsing.
/// </summary>
public abstract class BrowserPageTests : IAsyncLifetime
{
    // The page implements grpc-web by hand, as no bundler is at hand: the 5-byte frame header (flag, big-endian
    // length), a few protobuf fields, and the trailer frame (flag 0x80, "key:value\r\n" lines). It reads the gateway's
    // address from its query string and leaves what came back in window.results.
    private const string Page = """
        <!doctype html>
        <meta charset="utf-8">
        <title>Strait browser test</title>
        <pre id="out">running</pre>
        <script>
        const gateway = new URLSearchParams(location.search).get('gateway');
        const suite = new URLSearchParams(location.search).get('suite');

        function varint(n) {
          const out = [];
          while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
          out.push(n);
          return out;
        }
        function stringField(field, text) {
          const bytes = new TextEncoder().encode(text);
          return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
        }
        function varintField(field, n) { return [(field << 3) | 0, ...varint(n)]; }
        function messageField(field, bytes) { return [(field << 3) | 2, ...varint(bytes.length), ...bytes]; }

        // Field number -> last value: a number for varints, the bytes for length-delimited fields.
        function decode(bytes) {
          const fields = {};
          let i = 0;
          const readVarint = () => {
            let value = 0, scale = 1, b;
            do { b = bytes[i++]; value += (b & 0x7f) * scale; scale *= 128; } while (b & 0x80);
            return value;
          };
          while (i < bytes.length) {
            const key = readVarint(), field = Math.floor(key / 8), wire = key & 7;
            if (wire === 0) fields[field] = readVarint();
            else if (wire === 2) { const length = readVarint(); fields[field] = bytes.slice(i, i + length); i += length; }
            else if (wire === 1) i += 8;
            else if (wire === 5) i += 4;
            else throw new Error('wire type ' + wire);
          }
          return fields;
        }
        const text = (bytes) => bytes === undefined ? '' : new TextDecoder().decode(bytes);

        // One grpc-web call over fetch; the body is read as a stream, since frames need not line up with chunks.
        async function grpcWeb(path, message) {
          const body = new Uint8Array(5 + message.length);
          new DataView(body.buffer).setUint32(1, message.length);
          body.set(message, 5);
          const response = await fetch(gateway + path, {
            method: 'POST',
            headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
            body,
          });
          const result = { httpStatus: response.status, contentType: response.headers.get('content-type'), messages: [], trailers: null };
          const reader = response.body.getReader();
          let buffer = new Uint8Array(0);
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const joined = new Uint8Array(buffer.length + value.length);
            joined.set(buffer);
            joined.set(value, buffer.length);
            buffer = joined;
            while (buffer.length >= 5) {
              const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
              if (buffer.length < 5 + length) break;
              const flag = buffer[0], payload = buffer.slice(5, 5 + length);
              buffer = buffer.slice(5 + length);
              if (flag & 0x80) {
                result.trailers = {};
                for (const line of text(payload).split('\r\n').filter(l => l)) {
                  const colon = line.indexOf(':');
                  result.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
                }
              } else {
                result.messages.push(payload);
              }
            }
          }
          result.leftoverBytes = buffer.length;
          return result;
        }

        async function unary() {
          const call = await grpcWeb('/strait.echo.v1.EchoService/Echo', stringField(1, 'browser-1'));
          const reply = call.messages.length === 1 ? decode(call.messages[0]) : {};
          return { ...call, messages: call.messages.length, id: reply[1] === undefined ? null : text(decode(reply[1])[1]) };
        }

        async function serverStream() {
          const call = await grpcWeb('/strait.echo.v1.StreamService/ServerStream', [...stringField(1, 'web'), ...varintField(2, 3)]);
          const replies = call.messages.map(decode);
          // proto3 leaves index 0 off the wire.
          return { ...call, messages: call.messages.length, indexes: replies.map(r => r[2] ?? 0), texts: replies.map(r => text(r[1])) };
        }

        function sse() {
          return new Promise((resolve) => {
            const result = { events: [] };
            const source = new EventSource(gateway + '/v1/stream/sse?count=3');
            source.onmessage = (e) => {
              result.events.push({ type: e.type, id: e.lastEventId, data: JSON.parse(e.data) });
              // Closed at once: when the gateway ends the stream, EventSource would otherwise reconnect and start over.
              if (result.events.length === 3) { source.close(); resolve(result); }
            };
            // Both a server-sent `event: error` (with data) and a failed or dropped connection (without) land here.
            source.addEventListener('error', (e) => {
              result.error = e.data === undefined ? 'connection error, readyState ' + source.readyState : e.data;
              source.close();
              resolve(result);
            });
          });
        }

        // todo.v1: CreateTaskRequest.task = 1; Task.name = 1, Task.title = 2. Then the task again, over REST.
        async function todo() {
          const call = await grpcWeb('/todo.v1.TaskService/CreateTask', messageField(1, stringField(2, 'from the browser')));
          const task = call.messages.length === 1 ? decode(call.messages[0]) : {};
          const name = text(task[1]);
          const rest = await fetch(gateway + '/v1/' + name);
          return { ...call, messages: call.messages.length, name, title: text(task[2]), restTitle: (await rest.json()).title };
        }

        async function attempt(name, run) {
          try { return await run(); } catch (e) { console.error(name + ': ' + e); return { error: String(e) }; }
        }

        (async () => {
          const results = suite === 'todo'
            ? { todo: await attempt('todo', todo) }
            : { unary: await attempt('unary', unary), serverStream: await attempt('serverStream', serverStream), sse: await attempt('sse', sse) };
          document.getElementById('out').textContent = JSON.stringify(results, null, 2);
          window.results = { ...results, done: true };
        })();
        </script>
        """;

    private readonly ConcurrentQueue<string> console = new();
    private BackendProcess backend = null!;
    private GatewayProcess gateway = null!;
    private DirectoryInfo directory = null!;
    private WebApplication pageServer = null!;
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;

    public async Task InitializeAsync()
    {
        backend = await StartBackendAsync();
        directory = Directory.CreateTempSubdirectory("strait-browser-");
        gateway = await StartGatewayAsync(directory, backend);
        pageServer = await StartPageServerAsync();
        // The driver Playwright ships in its package runs offline; the browser is Debian's, not a downloaded build.
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = FindChromium(), Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        // Each step runs even if one before it failed half-way through InitializeAsync.
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (pageServer is not null)
        {
            await pageServer.DisposeAsync();
        }

        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        if (backend is not null)
        {
            await backend.DisposeAsync();
        }

        directory?.Delete(recursive: true);
    }

    /// <summary>Opens the page from its own origin with the gateway's address and <paramref name="suite"/>; returns what it left in window.results.</summary>
    private protected async Task<(JsonElement Results, string Context)> RunPageAsync(string suite)
    {
        var page = await browser.NewPageAsync();
        page.Console += (_, message) => console.Enqueue($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Enqueue($"page error: {error}");
        page.RequestFailed += (_, request) => console.Enqueue($"request failed: {request.Method} {request.Url}: {request.Failure}");

        // The page's origin (its own port) differs from the gateway's, so every call is cross-origin.
        var gatewayOrigin = gateway.Address.GetLeftPart(UriPartial.Authority);
        await page.GotoAsync($"{pageServer.Urls.Single()}/?suite={suite}&gateway={Uri.EscapeDataString(gatewayOrigin)}");
        try
        {
            await page.WaitForFunctionAsync("() => window.results && window.results.done", null, new() { Timeout = 30_000 });
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"the page did not finish in 30 s: {e.Message}\n{Diagnostics()}");
        }

        var json = await page.EvaluateAsync<string>("() => JSON.stringify(window.results)");
        return (JsonDocument.Parse(json).RootElement.Clone(), $"results: {json}\n{Diagnostics()}");
    }

    private protected virtual Task<GatewayProcess> StartGatewayAsync(DirectoryInfo directory, BackendProcess backend) =>
        BackendBehindGateway.StartEchoGatewayAsync(directory, backend.Address, "cors:\n  allowedOrigins: [\"*\"]");

    private protected abstract Task<BackendProcess> StartBackendAsync();

    private protected static string? Trailer(JsonElement call, string key) =>
        call.TryGetProperty("trailers", out var trailers) && trailers.ValueKind == JsonValueKind.Object && trailers.TryGetProperty(key, out var value)
            ? value.GetString()
            : null;

    private string Diagnostics() => $"browser console:\n{string.Join('\n', console)}\ngateway output:\n{gateway.Output}";

    private static async Task<WebApplication> StartPageServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
        // Chromium asks for one; a 404 would only add noise to the console messages a failure shows.
        app.MapGet("/favicon.ico", () => Results.NoContent());
        await app.StartAsync();
        return app;
    }

    /// <summary>Debian's <c>chromium</c> (test.sh installs it): on the PATH, else where the package puts it.</summary>
    internal static string FindChromium()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "chromium"))
            .Append("/usr/bin/chromium");
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("chromium is not installed: test.sh installs it (apt-get install chromium)");
    }
}

/// <summary>
/// Runs the browser test alone, after the parallel tests: Chromium's start-up takes both cores of a small machine for
/// a second or so, enough to push the timing-bound tests (hedging, deadlines) running beside it over their limits.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "Browser";
}
