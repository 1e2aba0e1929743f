using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The node-echo StreamService behind a gateway with REST routes for its client-streaming method
/// (<c>POST /v1/stream:collect</c>) and its bidirectional one (<c>POST /v1/stream:chat</c>, and
/// <c>GET /v1/stream/chat/{text}</c> without a body), on an HTTP/1.1 listener and an HTTP/2 one.
/// A request message is limited to 1 KiB (<c>limits.maxRequestBodySize</c>), a stream's body is not.
/// </summary>
public sealed class StreamBodyGateway : IAsyncLifetime
{
    public const int MessageLimit = 1024;
    private readonly List<GatewayProcess> extra = [];
    private DirectoryInfo directory = null!;

    internal BackendProcess Backend { get; private set; } = null!;

    internal GatewayProcess Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await BackendProcess.StartNodeEchoAsync();
        directory = Directory.CreateTempSubdirectory("strait-stream-body-");
        Gateway = await StartAsync(string.Empty);
    }

    /// <summary>A further gateway on the same backend, with <paramref name="streaming"/> (indented lines) as its <c>streaming:</c> section; stopped with the fixture.</summary>
    internal async Task<GatewayProcess> StartGatewayAsync(string streaming)
    {
        var gateway = await StartAsync(streaming);
        extra.Add(gateway);
        return gateway;
    }

    private async Task<GatewayProcess> StartAsync(string streaming)
    {
        var protos = Path.Combine(RepositoryPaths.NodeEcho, "protos");
        var config = Path.Combine(directory.FullName, $"strait-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"""
            http2Listen: http://127.0.0.1:0
            schema:
              protos: ["{Path.Combine(protos, "stream.proto")}"]
              protoPaths: ["{protos}"]
            backend:
              addresses: ["{Backend.Address}"]
            limits:
              maxRequestBodySize: {MessageLimit}
            http:
              rules:
                - selector: strait.echo.v1.StreamService.ClientStream
                  post: "/v1/stream:collect"
                  body: "*"
                - selector: strait.echo.v1.StreamService.BidiStream
                  post: "/v1/stream:chat"
                  body: "*"
                  additionalBindings:
                    - get: "/v1/stream/chat/{"{text}"}"
            {(streaming.Length == 0 ? string.Empty : "streaming:\n" + streaming)}
            """);
        return await GatewayProcess.StartAsync("--config", config);
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in extra)
        {
            await gateway.DisposeAsync();
        }

        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
        directory.Delete(recursive: true);
    }

    /// <summary>An HTTP/1.1 client, or one that speaks HTTP/2 only (prior knowledge) to the gateway's HTTP/2 listener.</summary>
    internal static HttpClient Client(GatewayProcess gateway, string version) => version == "2.0"
        ? new HttpClient { BaseAddress = gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(30) }
        : new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(30) };

    internal static HttpRequestMessage Post(HttpClient client, string path, HttpContent body) => new(HttpMethod.Post, path)
    {
        Content = body,
        Version = client.DefaultRequestVersion,
        VersionPolicy = client.DefaultVersionPolicy,
    };
}

/// <summary>A body sent a few bytes at a time, each piece flushed, so the gateway sees it in many reads.</summary>
internal sealed class TrickledBody : HttpContent
{
    private readonly byte[] bytes;
    private readonly int chunk;

    public TrickledBody(string text, string contentType, int chunk)
    {
        bytes = Encoding.UTF8.GetBytes(text);
        this.chunk = chunk;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            await stream.WriteAsync(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i)));
            await stream.FlushAsync();
            await Task.Delay(2);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>
/// A request body the test writes to while the response is read: each <see cref="Send"/> leaves at once (written
/// and flushed), and the body ends at <see cref="Complete"/>. Over HTTP/2, HttpClient hands the response over while
/// such a body is still open.
/// </summary>
internal sealed class DuplexBody : HttpContent
{
    private readonly Channel<byte[]> pieces = Channel.CreateUnbounded<byte[]>();

    public DuplexBody(string contentType)
    {
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
    }

    public void Send(string text) => pieces.Writer.TryWrite(Encoding.UTF8.GetBytes(text));

    public void Complete() => pieces.Writer.TryComplete();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var piece in pieces.Reader.ReadAllAsync(cancellationToken))
            {
                await stream.WriteAsync(piece, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The gateway ended the exchange (it answered, or reset the request stream) while the body was open.
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        Complete();
        base.Dispose(disposing);
    }
}

/// <summary>
/// One HTTP/1.1 exchange over a raw socket with a chunked request body, the response read as it arrives while the
/// body is still being sent (HttpClient does not read an HTTP/1.1 response before its body is complete).
/// </summary>
internal sealed class ChunkedExchange : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly System.Net.Sockets.TcpClient socket = new();
    private readonly byte[] buffer = new byte[8192];
    private readonly StringBuilder body = new();
    private Stream stream = null!;
    private string raw = string.Empty;
    private bool headRead;

    public int Status { get; private set; }

    public IReadOnlyList<string> Headers { get; private set; } = [];

    /// <summary>The response body decoded so far.</summary>
    public string Body => body.ToString();

    public bool Ended { get; private set; }

    public static async Task<ChunkedExchange> StartAsync(Uri address, string path, string contentType, string? accept)
    {
        var exchange = new ChunkedExchange();
        await exchange.socket.ConnectAsync(address.Host, address.Port);
        exchange.stream = exchange.socket.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n"
            + (accept is null ? string.Empty : $"Accept: {accept}\r\n") + "\r\n";
        await exchange.stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        return exchange;
    }

    public async Task SendAsync(string data)
    {
        var bytes = Encoding.UTF8.GetBytes(data);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{bytes.Length:x}\r\n"));
        await stream.WriteAsync(bytes);
        await stream.WriteAsync("\r\n"u8.ToArray());
        await stream.FlushAsync();
    }

    /// <summary>Sends bytes as they are, chunk framing or not.</summary>
    public async Task SendRawAsync(string data)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(data));
        await stream.FlushAsync();
    }

    public async Task EndBodyAsync()
    {
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        await stream.FlushAsync();
    }

    /// <summary>Reads until the decoded body satisfies <paramref name="done"/> (or the response ends); returns the body so far.</summary>
    public async Task<string> ReadUntilAsync(Func<string, bool> done)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!Ended && !(headRead && done(Body)))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "the connection closed before the response ended: " + raw + Body);
            raw += Encoding.Latin1.GetString(buffer, 0, read);
            Decode();
        }

        return Body;
    }

    public Task<string> ReadToEndAsync() => ReadUntilAsync(_ => false);

    private void Decode()
    {
        if (!headRead)
        {
            var split = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split < 0)
            {
                return;
            }

            var lines = raw[..split].Split("\r\n");
            Status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            Headers = lines[1..];
            Assert.Contains(Headers, h => h.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase));
            raw = raw[(split + 4)..];
            headRead = true;
        }

        while (!Ended)
        {
            var lineEnd = raw.IndexOf("\r\n", StringComparison.Ordinal);
            if (lineEnd < 0)
            {
                return;
            }

            var size = Convert.ToInt32(raw[..lineEnd], 16);
            if (size == 0)
            {
                Ended = true;
                return;
            }

            if (raw.Length < lineEnd + 2 + size + 2)
            {
                return;
            }

            body.Append(Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(raw.Substring(lineEnd + 2, size))));
            raw = raw[(lineEnd + 2 + size + 2)..];
        }
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
