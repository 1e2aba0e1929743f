using System.Globalization;
using System.Text;

namespace Strait.Tests.EndToEnd.Fuzz;

/// <summary>The transport a fuzz case travels on.</summary>
internal enum FuzzTransport
{
    /// <summary>Raw bytes on a socket to the HTTP/1.1 listener: the request line, headers and framing can all be broken.</summary>
    Http1,

    /// <summary>HttpClient over h2c to the HTTP/2 listener: the frames are well formed, the headers and body are not.</summary>
    Http2,
}

/// <summary>One request of a fuzz case, structured so that a mutation can aim at a part of it.</summary>
internal sealed class FuzzRequest
{
    public FuzzRequest(string edge, FuzzTransport transport, string method, string target, IEnumerable<(string Name, string Value)> headers, byte[] body)
    {
        Edge = edge;
        Transport = transport;
        Method = method;
        Target = target;
        Headers = [.. headers];
        Body = body;
    }

    /// <summary>The edge the unmutated request exercises (rest, rest-stream, grpc-web, grpc-web-text, grpc, websocket).</summary>
    public string Edge { get; }

    public FuzzTransport Transport { get; }

    public string Method { get; set; }

    public string Target { get; set; }

    public List<(string Name, string Value)> Headers { get; }

    public byte[] Body { get; set; }

    /// <summary>Send the body in chunks rather than with a Content-Length (HTTP/1.1 only).</summary>
    public bool Chunked { get; set; }

    /// <summary>A chunk-size line to put in place of the first chunk's real one, for broken chunked framing.</summary>
    public string? ChunkSizeOverride { get; set; }

    /// <summary>Keep the Content-Length of the unmutated body even though the body changed.</summary>
    public bool StaleContentLength { get; set; }

    /// <summary>WebSocket text frames to send after a 101 (HTTP/1.1 only).</summary>
    public List<byte[]> WebSocketFrames { get; } = [];

    /// <summary>Byte-level damage applied to the serialised HTTP/1.1 request after everything else.</summary>
    public Func<byte[], byte[]>? RawDamage { get; set; }

    public int OriginalBodyLength { get; init; }

    /// <summary>Whether the server can tell where the request ends: no stale length, broken chunk or raw damage.</summary>
    public bool IsWellFramed => !StaleContentLength && ChunkSizeOverride is null && RawDamage is null;

    public bool IsWebSocket => Headers.Exists(h => h.Name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase));

    public FuzzRequest Clone()
    {
        var copy = new FuzzRequest(Edge, Transport, Method, Target, Headers, (byte[])Body.Clone()) { OriginalBodyLength = OriginalBodyLength };
        copy.WebSocketFrames.AddRange(WebSocketFrames);
        return copy;
    }

    /// <summary>The HTTP/1.1 bytes: request line, headers, framing headers and body, then any raw damage.</summary>
    public byte[] ToHttp1Bytes()
    {
        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target).Append(" HTTP/1.1\r\n");
        foreach (var (name, value) in Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        byte[] framedBody;
        if (Chunked)
        {
            head.Append("Transfer-Encoding: chunked\r\n");
            framedBody = ChunkedBody();
        }
        else
        {
            var length = StaleContentLength ? OriginalBodyLength : Body.Length;
            if (length > 0 || Method is "POST" or "PUT" or "PATCH")
            {
                head.Append("Content-Length: ").Append(length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }

            framedBody = Body;
        }

        head.Append("\r\n");
        var bytes = (byte[])[.. Encoding.Latin1.GetBytes(head.ToString()), .. framedBody];
        return RawDamage is null ? bytes : RawDamage(bytes);
    }

    private byte[] ChunkedBody()
    {
        var output = new MemoryStream();
        var half = Body.Length / 2;
        WriteChunk(output, Body.AsSpan(0, half), ChunkSizeOverride);
        WriteChunk(output, Body.AsSpan(half), null);
        output.Write("0\r\n\r\n"u8);
        return output.ToArray();
    }

    private static void WriteChunk(MemoryStream output, ReadOnlySpan<byte> chunk, string? sizeLine)
    {
        if (chunk.IsEmpty && sizeLine is null)
        {
            return;
        }

        output.Write(Encoding.ASCII.GetBytes((sizeLine ?? chunk.Length.ToString("x", CultureInfo.InvariantCulture)) + "\r\n"));
        output.Write(chunk);
        output.Write("\r\n"u8);
    }

    /// <summary>The request as a short printable text, for a violation's report.</summary>
    public string Describe(int limit = 400)
    {
        var text = Transport == FuzzTransport.Http1
            ? Encoding.Latin1.GetString(ToHttp1Bytes())
            : $"[h2] {Method} {Target}\n{string.Join('\n', Headers.Select(h => $"{h.Name}: {h.Value}"))}\n\n{Encoding.Latin1.GetString(Body)}";
        var printable = new StringBuilder(Math.Min(text.Length, limit));
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, limit)))
        {
            printable.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n\n",
                < ' ' or > '~' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return text.Length > limit ? printable.Append($"… ({text.Length} bytes)").ToString() : printable.ToString();
    }
}
