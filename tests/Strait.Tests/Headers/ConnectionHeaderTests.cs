using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Strait.Headers;

namespace Strait.Tests.Headers;

/// <summary>
/// Kestrel decodes the Connection header through <see cref="ConnectionHeader.EncodingFor"/> and then keeps only
/// <c>close</c>, <c>keep-alive</c> or <c>upgrade</c> of <c>close, X-User</c>; these tests decode as Kestrel does and
/// set the header as Kestrel leaves it. Each runs on its own flow so the recorded value never reaches another test.
/// </summary>
public sealed class ConnectionHeaderTests
{
    public enum Decode
    {
        GetString,
        GetCharsIntoArray,
        GetCharsThroughPointers,
    }

    [Theory]
    [InlineData("Connection")]
    [InlineData("connection")]
    public void Only_the_Connection_header_is_decoded_by_the_recording_encoding(string name)
    {
        var encoding = ConnectionHeader.EncodingFor(name);

        Assert.NotNull(encoding);
        Assert.Null(ConnectionHeader.EncodingFor("X-User"));
        Assert.Null(ConnectionHeader.EncodingFor("Connection-Id"));
    }

    [Theory]
    [InlineData("close")]
    [InlineData("keep-alive")]
    [InlineData("Upgrade")]
    public Task The_names_Kestrel_drops_beside_a_lone_connection_option_are_recovered(string option) => OnItsOwnFlow(() =>
    {
        var headers = Kestrel($"{option}, X-User", option, Decode.GetString);

        Assert.Equal([$"{option}, X-User"], Of(headers));
    });

    [Theory]
    [InlineData(Decode.GetString)]
    [InlineData(Decode.GetCharsIntoArray)]
    [InlineData(Decode.GetCharsThroughPointers)]
    public Task Every_way_Kestrel_may_decode_records_the_value(Decode decode) => OnItsOwnFlow(() =>
    {
        var headers = Kestrel("close, X-Secret", "close", decode);

        Assert.Equal(["close, X-Secret"], Of(headers));
    });

    [Fact]
    public Task A_Connection_header_Kestrel_keeps_as_sent_is_returned_as_is() => OnItsOwnFlow(() =>
    {
        // Kestrel rewrites only a lone close, keep-alive or upgrade; any other value it leaves alone.
        Assert.Equal(["te"], Of(Kestrel("te, X-User", "te", Decode.GetString)));
        Assert.Equal(["X-User, close"], Of(Kestrel("X-User, close", "X-User, close", Decode.GetString)));
    });

    [Fact]
    public Task A_value_recorded_that_does_not_list_the_option_is_not_used() => OnItsOwnFlow(() =>
    {
        // A later request on the connection whose Connection header was not decoded (it is absent or Kestrel knew it).
        var headers = Kestrel("X-Earlier", "close", Decode.GetString);

        Assert.Equal(["close"], Of(headers));
    });

    [Fact]
    public Task Several_Connection_values_are_returned_as_they_are() => OnItsOwnFlow(() =>
    {
        var headers = Kestrel("close, X-User", "close", Decode.GetString);
        headers.Connection = new StringValues(["close", "X-Other"]);

        Assert.Equal(["close", "X-Other"], Of(headers));
    });

    [Fact]
    public Task Without_a_recorded_value_the_header_is_returned_as_is() => OnItsOwnFlow(() =>
    {
        IHeaderDictionary headers = new HeaderDictionary();
        headers.Connection = "close";

        Assert.Equal(["close"], Of(headers));
        Assert.Empty(Of(new HeaderDictionary()));
    });

    // The recorded value lives in an AsyncLocal: a task's changes to it never flow back to the test that awaits it.
    private static Task OnItsOwnFlow(Action test) => Task.Run(test);

    private static string[] Of(IHeaderDictionary headers) => [.. ConnectionHeader.Of(headers).OfType<string>()];

    private static IHeaderDictionary Kestrel(string sent, string kept, Decode decode)
    {
        var encoding = ConnectionHeader.EncodingFor("Connection")!;
        var bytes = Encoding.ASCII.GetBytes(sent);
        var decoded = decode switch
        {
            Decode.GetString => encoding.GetString(bytes, 0, bytes.Length),
            Decode.GetCharsIntoArray => DecodeIntoArray(encoding, bytes),
            _ => DecodeThroughSpans(encoding, bytes),
        };
        Assert.Equal(sent, decoded);
        IHeaderDictionary headers = new HeaderDictionary();
        headers.Connection = kept;
        return headers;
    }

    private static string DecodeIntoArray(Encoding encoding, byte[] bytes)
    {
        var chars = new char[encoding.GetMaxCharCount(bytes.Length)];
        var written = encoding.GetChars(bytes, 0, bytes.Length, chars, 0);
        return new string(chars, 0, written);
    }

    // Encoding's span overload goes through the pointer overload the recording encoding overrides.
    private static string DecodeThroughSpans(Encoding encoding, byte[] bytes)
    {
        Span<char> chars = stackalloc char[encoding.GetMaxCharCount(bytes.Length)];
        var written = encoding.GetChars(bytes.AsSpan(), chars);
        return new string(chars[..written]);
    }
}
