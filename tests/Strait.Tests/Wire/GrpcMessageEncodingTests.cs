using Strait.Wire;

namespace Strait.Tests.Wire;

public sealed class GrpcMessageEncodingTests
{
    [Theory]
    [InlineData("plain ascii ~!", "plain ascii ~!")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("héllo", "h%C3%A9llo")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("tab\tdel\u007f", "tab%09del%7F")]
    public void Encodes_bytes_outside_printable_ascii_and_percent(string message, string expected)
    {
        var encoded = GrpcMessageEncoding.Encode(message);

        Assert.Equal(expected, encoded);
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Fact]
    public void Printable_message_is_returned_without_copying()
    {
        const string message = "nothing to escape";

        Assert.Same(message, GrpcMessageEncoding.Encode(message));
        Assert.Same(message, GrpcMessageEncoding.Decode(message));
    }

    [Fact]
    public void Long_unicode_message_round_trips()
    {
        var message = string.Concat(Enumerable.Repeat("Zürich 100% ✓ 日本 ", 200));

        Assert.Equal(message, GrpcMessageEncoding.Decode(GrpcMessageEncoding.Encode(message)));
    }

    [Theory]
    [InlineData("Zürich 100% ✓ 日本 😀 ")]
    [InlineData("s")]
    [InlineData("%")]
    public void A_status_message_is_written_at_most_the_bound_long_cut_on_a_character(string unit)
    {
        var message = string.Concat(Enumerable.Repeat(unit, 200 * 1024 / unit.Length));
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary();

        GrpcStatusHeaders.AppendStatus(headers, new GrpcStatus(GrpcStatusCode.NotFound, message));

        var written = headers[GrpcProtocol.MessageHeader].ToString();
        Assert.InRange(written.Length, GrpcMessageEncoding.MaxEncodedLength - 12, GrpcMessageEncoding.MaxEncodedLength);
        var decoded = GrpcMessageEncoding.Decode(written);
        Assert.EndsWith("…", decoded, StringComparison.Ordinal);
        Assert.StartsWith(decoded[..^1], message, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', decoded);
    }

    [Fact]
    public void A_status_message_within_the_bound_is_written_whole()
    {
        var message = new string('x', GrpcMessageEncoding.MaxEncodedLength);
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary();

        GrpcStatusHeaders.AppendStatus(headers, new GrpcStatus(GrpcStatusCode.NotFound, message));

        Assert.Equal(message, headers[GrpcProtocol.MessageHeader].ToString());
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("50%", "50%")]
    [InlineData("%4", "%4")]
    [InlineData("%zz%41", "%zzA")]
    [InlineData("%c3%a9", "é")]
    [InlineData("%FF", "\uFFFD")]
    [InlineData("é%20x", "é x")]
    public void Decoding_is_lenient(string encoded, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Decode(encoded));
    }
}
