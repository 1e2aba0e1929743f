using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Strait.Hosting;

/// <summary>
/// HTTP/1.1 and h2c with prior knowledge on one cleartext listener. Without TLS there is no ALPN, and Kestrel serves a
/// cleartext HTTP/1.1-and-HTTP/2 endpoint as HTTP/1.1 alone. Every HTTP/2 client starts with the 24-byte connection
/// preface (RFC 9113, 3.4) and no HTTP/1.x request does, so this connection middleware reads the first bytes, hands them
/// back unconsumed, and gives the connection to Kestrel's HTTP/2 pipeline or to the listener's own HTTP/1.1 one.
/// Kestrel builds that HTTP/2 pipeline for a listener on <see cref="PipelineOnlyTransport"/>, which accepts nothing: the
/// scheme stays <c>http</c> (no TLS feature is faked) and no Kestrel internals are reached.
/// </summary>
internal sealed class PrefaceRouter
{
    private readonly KestrelServerLimits limits;
    private ConnectionDelegate? http2;

    public PrefaceRouter(KestrelServerLimits limits) => this.limits = limits;

    /// <summary>"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>
    /// Binds the listener whose HTTP/2 pipeline the routed connections use. Kestrel binds listeners in the order they
    /// were added, and a listener accepts connections once bound: this goes before every listener that routes.
    /// </summary>
    public void BindHttp2Pipeline(KestrelServerOptions kestrel) => kestrel.Listen(new PipelineOnlyEndPoint("h2c"), listen =>
    {
        listen.Protocols = HttpProtocols.Http2;
        listen.Use(next => http2 = next);
    });

    /// <summary>The connection middleware for a cleartext listener whose own pipeline (<paramref name="http1"/>) speaks HTTP/1.1.</summary>
    public ConnectionDelegate Route(ConnectionDelegate http1) => connection => RouteAsync(connection, http1);

    /// <summary>
    /// <see cref="HttpProtocols.Http2"/> once the whole preface is there, <see cref="HttpProtocols.Http1"/> as soon as a
    /// byte differs from it (a short request is not kept waiting for 24 bytes), <see cref="HttpProtocols.None"/> while
    /// what came so far is the preface's beginning.
    /// </summary>
    public static HttpProtocols Classify(in ReadOnlySequence<byte> received)
    {
        var length = (int)Math.Min(received.Length, Preface.Length);
        Span<byte> start = stackalloc byte[Preface.Length];
        received.Slice(0, length).CopyTo(start);
        if (!start[..length].SequenceEqual(Preface[..length]))
        {
            return HttpProtocols.Http1;
        }

        return length == Preface.Length ? HttpProtocols.Http2 : HttpProtocols.None;
    }

    private async Task RouteAsync(ConnectionContext connection, ConnectionDelegate http1)
    {
        switch (await DetectAsync(connection, limits).ConfigureAwait(false))
        {
            case HttpProtocols.Http2:
                await (http2 ?? throw new InvalidOperationException("the HTTP/2 pipeline is bound after a listener that needs it"))(connection).ConfigureAwait(false);
                break;
            case HttpProtocols.Http1:
                await http1(connection).ConfigureAwait(false);
                break;
            default:
                // Gone, too slow, or the server is stopping before the client said which: Kestrel closes the connection.
                break;
        }
    }

    /// <summary>
    /// Waits, without holding a thread, for enough bytes to decide, and leaves them unread. Kestrel's own clocks start
    /// once a protocol has the connection, so this one keeps theirs: an idle connection gets the keep-alive timeout, and
    /// once bytes came the rest of the preface must follow within the request-headers timeout.
    /// </summary>
    /// <returns><see cref="HttpProtocols.None"/> when the connection is gone, too slow, or the server is stopping.</returns>
    internal static async ValueTask<HttpProtocols> DetectAsync(ConnectionContext connection, KestrelServerLimits limits)
    {
        var input = connection.Transport.Input;
        using var deadline = new CancellationTokenSource(limits.KeepAliveTimeout);
        using var stopping = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            .Register(static state => ((CancellationTokenSource)state!).Cancel(), deadline);
        var started = false;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
                var received = result.Buffer;
                var protocol = Classify(received);
                if (protocol != HttpProtocols.None || result.IsCompleted)
                {
                    // Nothing consumed and nothing examined: the chosen protocol's first read returns these bytes at once.
                    input.AdvanceTo(received.Start);
                    return protocol == HttpProtocols.None ? HttpProtocols.Http1 : protocol;
                }

                input.AdvanceTo(received.Start, received.End);
                if (!started && !received.IsEmpty)
                {
                    started = true;
                    deadline.CancelAfter(limits.RequestHeadersTimeout);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return HttpProtocols.None;
        }
    }
}
