using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Strait.Headers;

/// <summary>
/// The Connection header as the client sent it. Kestrel (HTTP/1.x) replaces a Connection header whose one connection
/// option is <c>close</c>, <c>keep-alive</c> or <c>upgrade</c> by that option alone: <c>close, X-User</c> becomes
/// <c>close</c>, and the names it listed are gone before any application code runs. So the value is recorded as
/// Kestrel decodes it (through a header encoding for Connection alone), and the names it lists stay hop-by-hop.
/// </summary>
internal static class ConnectionHeader
{
    // Set while Kestrel parses a request's headers, on the flow that goes on to run the request: a later request on the
    // same connection with a Connection header records its own; one without it never reads this.
    private static readonly AsyncLocal<string?> Received = new();

    /// <summary>For <c>KestrelServerOptions.RequestHeaderEncodingSelector</c>: records Connection; every other header decodes as by default.</summary>
    public static Encoding? EncodingFor(string headerName) =>
        headerName.Equals("Connection", StringComparison.OrdinalIgnoreCase) ? RecordingEncoding.Instance : null;

    /// <summary>The request's Connection header values, with every name the client listed.</summary>
    public static StringValues Of(IHeaderDictionary headers)
    {
        var connection = headers.Connection;
        if (connection.Count == 1
            && Received.Value is { } received
            && !ReferenceEquals(received, connection[0])
            && connection[0] is { } option
            && (option.Equals("close", StringComparison.OrdinalIgnoreCase)
                || option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
                || option.Equals("upgrade", StringComparison.OrdinalIgnoreCase))
            && HttpHeaderNames.IsNamedIn(received, option))
        {
            return received;
        }

        return connection;
    }

    /// <summary>Strict UTF-8 (what Kestrel accepts by default) that records each value it decodes.</summary>
    private sealed class RecordingEncoding : Encoding
    {
        public static readonly RecordingEncoding Instance = new();

        private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public override int GetByteCount(char[] chars, int index, int count) => Utf8.GetByteCount(chars, index, count);

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) =>
            Utf8.GetBytes(chars, charIndex, charCount, bytes, byteIndex);

        public override int GetCharCount(byte[] bytes, int index, int count) => Utf8.GetCharCount(bytes, index, count);

        public override unsafe int GetCharCount(byte* bytes, int count) => Utf8.GetCharCount(bytes, count);

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex)
        {
            var written = Utf8.GetChars(bytes, byteIndex, byteCount, chars, charIndex);
            Received.Value = new string(chars, charIndex, written);
            return written;
        }

        public override unsafe int GetChars(byte* bytes, int byteCount, char* chars, int charCount)
        {
            var written = Utf8.GetChars(bytes, byteCount, chars, charCount);
            Received.Value = new string(chars, 0, written);
            return written;
        }

        public override string GetString(byte[] bytes, int index, int count)
        {
            var text = Utf8.GetString(bytes, index, count);
            Received.Value = text;
            return text;
        }

        public override int GetMaxByteCount(int charCount) => Utf8.GetMaxByteCount(charCount);

        public override int GetMaxCharCount(int byteCount) => Utf8.GetMaxCharCount(byteCount);
    }
}
