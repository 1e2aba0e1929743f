using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Strait.Tests.EndToEnd.Fuzz;

/// <summary>What came back for one fuzz case, and whether that breaks a rule.</summary>
internal sealed record FuzzOutcome(string Kind, int? Status, string? Violation)
{
    public static FuzzOutcome NotSent(string why) => new($"not sent ({why})", null, null);
}

/// <summary>
/// Sends one fuzz request and judges the answer. Rules: every complete request gets an answer (a status line, or
/// HTTP/2 response headers; a stream reset with anything but PROTOCOL_ERROR before an answer breaks it); no 5xx that
/// is the gateway's own fault (a problem of type <c>internal-error</c>, a bare 500, or the gRPC status the gateway
/// uses for its own failures); a gRPC answer always carries a grpc-status.
/// </summary>
internal static partial class FuzzExchange
{
    private const string GatewayFailure = "The gateway failed to handle the call";
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StreamReadWindow = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan UnframedPatience = TimeSpan.FromSeconds(2);

    public static async Task<FuzzOutcome> SendHttp1Async(IPEndPoint gateway, FuzzRequest request)
    {
        var bytes = request.ToHttp1Bytes();
        using var socket = new Socket(gateway.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(CaseTimeout);
        await socket.ConnectAsync(gateway, timeout.Token);
        var received = new MemoryStream();
        string? failure = null;
        try
        {
            await SendAllAsync(socket, bytes, timeout.Token);
            if (request.IsWebSocket && await ReadHeadAsync(socket, received, timeout.Token) && StatusOf(received) == 101)
            {
                foreach (var frame in request.WebSocketFrames)
                {
                    await SendAllAsync(socket, WebSocketFrame(0x1, frame), timeout.Token);
                }

                await SendAllAsync(socket, WebSocketFrame(0x8, [0x03, 0xe8]), timeout.Token);
                await ReadAnswerAsync(socket, received, StreamReadWindow, timeout.Token);
            }
            else if (!await ReadAnswerAsync(socket, received, request.IsWellFramed ? CaseTimeout : UnframedPatience, timeout.Token) && !request.IsWellFramed)
            {
                // The request may be waiting for body bytes that will never come. Kestrel takes a half-close for the
                // client leaving, so silence after it is no fault.
                socket.Shutdown(SocketShutdown.Send);
                await ReadAnswerAsync(socket, received, UnframedPatience, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            failure = "timed out";
        }
        catch (SocketException e)
        {
            failure = e.SocketErrorCode == SocketError.ConnectionReset ? "reset" : e.SocketErrorCode.ToString();
        }

        var status = StatusOf(received);
        var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        if (status is null)
        {
            return request.IsWellFramed && bytes.AsSpan().IndexOf("\r\n\r\n"u8) >= 0
                ? new FuzzOutcome("no answer", null, $"a complete request got no status line ({failure ?? "silence or close"}, {received.Length} bytes)")
                : new FuzzOutcome("incomplete request, no answer", null, null);
        }

        return Judge(status.Value, text);
    }

    public static async Task<FuzzOutcome> SendHttp2Async(HttpClient client, FuzzRequest request)
    {
        HttpRequestMessage message;
        try
        {
            message = ToHttpRequestMessage(client.BaseAddress!, request);
        }
        catch (Exception e) when (e is UriFormatException or FormatException or InvalidOperationException or ArgumentException)
        {
            return FuzzOutcome.NotSent(e.GetType().Name);
        }

        using (message)
        {
            using var timeout = new CancellationTokenSource(CaseTimeout);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (HttpRequestException e) when (ResetCode(e) is { } code)
            {
                return code == 0x1
                    ? new FuzzOutcome("reset PROTOCOL_ERROR (malformed HTTP/2 request)", null, null)
                    : new FuzzOutcome("reset", null, $"the stream was reset with error code {code} before an answer");
            }
            catch (HttpRequestException e) when (e.InnerException is ArgumentException or FormatException or NotSupportedException)
            {
                return FuzzOutcome.NotSent(e.InnerException.GetType().Name);
            }
            catch (Exception e) when (e is UriFormatException or InvalidOperationException)
            {
                // The mutated target or headers do not make a request HttpClient can send.
                return FuzzOutcome.NotSent(e.GetType().Name);
            }
            catch (HttpRequestException e) when (e.InnerException is null)
            {
                // HttpClient refused to send it (a non-ASCII header value, say); nothing reached the gateway.
                return FuzzOutcome.NotSent(e.Message);
            }
            catch (HttpRequestException e)
            {
                return new FuzzOutcome("no answer", null, $"no response: {e.Message}");
            }
            catch (OperationCanceledException)
            {
                return new FuzzOutcome("no answer", null, "no response headers within the case timeout");
            }

            using (response)
            {
                var body = new MemoryStream();
                string? readFailure = null;
                using var window = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                window.CancelAfter(StreamReadWindow);
                try
                {
                    await response.Content.CopyToAsync(body, window.Token);
                }
                catch (OperationCanceledException)
                {
                    readFailure = "window";
                }
                catch (HttpRequestException e) when (ResetCode(e) is { } code && code != 0x8)
                {
                    readFailure = $"reset {code}";
                }
                catch (HttpIOException e) when (ResetCode(e) is { } code && code != 0x8)
                {
                    readFailure = $"reset {code}";
                }

                var grpcStatus = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
                var grpcMessage = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
                var isGrpc = response.Content.Headers.ContentType?.MediaType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
                var text = response.Content.Headers.ContentType?.MediaType?.StartsWith("application/grpc-web-text", StringComparison.Ordinal) == true
                    ? DecodeBase64Quads(body.GetBuffer().AsSpan(0, (int)body.Length))
                    : Encoding.Latin1.GetString(body.GetBuffer(), 0, (int)body.Length);
                if (isGrpc && response.StatusCode == HttpStatusCode.OK && readFailure is null && grpcStatus is null && !text.Contains("grpc-status:", StringComparison.Ordinal))
                {
                    return new FuzzOutcome("grpc without status", 200, "a gRPC answer ended without grpc-status");
                }

                if (readFailure is not null && readFailure.StartsWith("reset", StringComparison.Ordinal))
                {
                    return new FuzzOutcome("reset mid-answer", (int)response.StatusCode, $"the answer's stream was {readFailure}");
                }

                var judged = Judge((int)response.StatusCode, text);
                if (grpcMessage is not null && Uri.UnescapeDataString(grpcMessage).Contains(GatewayFailure, StringComparison.Ordinal))
                {
                    return judged with { Violation = $"grpc-status {grpcStatus}: {grpcMessage}" };
                }

                return judged with { Kind = grpcStatus is null ? judged.Kind : $"{judged.Kind} grpc-status {grpcStatus}" };
            }
        }
    }

    private static FuzzOutcome Judge(int status, string text)
    {
        var slug = ProblemType().Match(text) is { Success: true } match ? match.Groups[1].Value : null;
        var grpcStatus = GrpcWebStatus().Match(text) is { Success: true } g ? g.Groups[1].Value : null;
        var kind = $"{status}{(slug is null ? string.Empty : " " + slug)}{(grpcStatus is null ? string.Empty : " grpc-status " + grpcStatus)}";
        if (text.Contains(GatewayFailure, StringComparison.Ordinal))
        {
            return new FuzzOutcome(kind, status, "the gateway's own failure status");
        }

        if (status >= 500 && (slug == "internal-error" || (slug is null && status == 500)))
        {
            return new FuzzOutcome(kind, status, $"a {status} that is the gateway's own fault");
        }

        return new FuzzOutcome(kind, status, null);
    }

    private static HttpRequestMessage ToHttpRequestMessage(Uri gateway, FuzzRequest request)
    {
        var uri = new Uri(gateway, request.Target);
        if (uri.Authority != gateway.Authority)
        {
            // A target such as "\/host/x" is a network-path reference to HttpClient: it would never reach the gateway.
            throw new UriFormatException($"the target leaves the gateway for {uri.Authority}");
        }

        var message = new HttpRequestMessage(new HttpMethod(request.Method), uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(request.Body),
        };
        foreach (var (name, value) in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.Remove(name);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    // grpc-web-text bodies are base64 segments, each padded on its own; every 4-character quad decodes by itself.
    private static string DecodeBase64Quads(ReadOnlySpan<byte> text)
    {
        var decoded = new MemoryStream();
        Span<byte> bytes = stackalloc byte[3];
        for (var i = 0; i + 4 <= text.Length; i += 4)
        {
            if (Convert.TryFromBase64String(Encoding.ASCII.GetString(text.Slice(i, 4)), bytes, out var written))
            {
                decoded.Write(bytes[..written]);
            }
        }

        return Encoding.Latin1.GetString(decoded.GetBuffer(), 0, (int)decoded.Length);
    }

    private static long? ResetCode(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocol)
            {
                return protocol.ErrorCode;
            }
        }

        return null;
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task SendAllAsync(Socket socket, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            // The server may answer and close before a large or broken request is sent whole; its answer is still read.
        }
    }

    private static async Task<bool> ReadHeadAsync(Socket socket, MemoryStream received, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (received.GetBuffer().AsSpan(0, (int)received.Length).IndexOf("\r\n\r\n"u8) < 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return false;
            }

            received.Write(buffer, 0, read);
        }

        return true;
    }

    /// <summary>
    /// Reads until the answer is whole by its framing (Content-Length, the last chunk, or the server closing), for at most
    /// <paramref name="patience"/>; a streamed answer counts once its status line is in. Interim 100 answers are dropped.
    /// </summary>
    private static async Task<bool> ReadAnswerAsync(Socket socket, MemoryStream received, TimeSpan patience, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(patience);
        var streamWindowSet = false;
        try
        {
            while (received.Length < 1024 * 1024 && !IsWhole(received))
            {
                if (StatusOf(received) is not null && !streamWindowSet)
                {
                    window.CancelAfter(StreamReadWindow);
                    streamWindowSet = true;
                }

                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, window.Token);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
                DropInterimAnswers(received);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return StatusOf(received) is not null;
    }

    private static void DropInterimAnswers(MemoryStream received)
    {
        var span = received.GetBuffer().AsSpan(0, (int)received.Length);
        if (span.StartsWith("HTTP/1.1 100 "u8) && span.IndexOf("\r\n\r\n"u8) is var end and >= 0)
        {
            var rest = span[(end + 4)..].ToArray();
            received.SetLength(0);
            received.Write(rest);
        }
    }

    private static bool IsWhole(MemoryStream received)
    {
        var span = received.GetBuffer().AsSpan(0, (int)received.Length);
        var headEnd = span.IndexOf("\r\n\r\n"u8);
        if (StatusOf(received) is null || headEnd < 0)
        {
            return false;
        }

        var head = Encoding.Latin1.GetString(span[..headEnd]);
        if (ContentLength().Match(head) is { Success: true } length)
        {
            return span.Length - headEnd - 4 >= long.Parse(length.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase) && span.EndsWith("0\r\n\r\n"u8);
    }

    private static int? StatusOf(MemoryStream received)
    {
        var span = received.GetBuffer().AsSpan(0, (int)received.Length);
        if (span.Length < 12 || !span.StartsWith("HTTP/1."u8))
        {
            return null;
        }

        return int.TryParse(span.Slice(9, 3), out var status) ? status : null;
    }

    private static byte[] WebSocketFrame(byte opcode, byte[] payload)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
        if (payload.Length < 126)
        {
            header.Add((byte)(0x80 | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header.AddRange([0x80 | 126, (byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            header.Add(0x80 | 127);
            header.AddRange(BitConverter.GetBytes((ulong)payload.Length).Reverse());
        }

        byte[] mask = [0x12, 0x34, 0x56, 0x78];
        header.AddRange(mask);
        var masked = new byte[payload.Length];
        for (var i = 0; i < payload.Length; i++)
        {
            masked[i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return [.. header, .. masked];
    }

    [GeneratedRegex("\"type\":\"urn:strait:problem:([a-z0-9-]+)\"")]
    private static partial Regex ProblemType();

    [GeneratedRegex("^content-length: *([0-9]{1,15})\\s*$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex ContentLength();

    [GeneratedRegex("grpc-status: ?([0-9]+)", RegexOptions.IgnoreCase)]
    private static partial Regex GrpcWebStatus();
}
