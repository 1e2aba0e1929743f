using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Strait.Resilience;

namespace Strait.Tests.Resilience;

public sealed class ClientPartitionTests
{
    [Theory]
    [InlineData("global")]
    [InlineData(" ip ")]
    [InlineData("header:X-Api-Key")]
    [InlineData("header: X-Api-Key ")]
    [InlineData("jwt:sub")]
    public void Each_documented_key_form_parses(string text) => Assert.NotNull(ClientPartition.TryParse(text));

    [Theory]
    [InlineData("")]
    [InlineData("global:x")]
    [InlineData("ip:x")]
    [InlineData("header")]
    [InlineData("header:")]
    [InlineData("header:X Api")]
    [InlineData("header:X\tApi")]
    [InlineData("header:X:Api")]
    [InlineData("jwt")]
    [InlineData("jwt:")]
    [InlineData("cookie:session")]
    public void Other_key_forms_are_refused(string text) => Assert.Null(ClientPartition.TryParse(text));

    [Fact]
    public void Global_puts_every_client_in_one_partition()
    {
        Assert.Equal(string.Empty, Of("global", Request("10.0.0.1")));
        Assert.Equal(string.Empty, Of("global", Request("10.0.0.2")));
    }

    [Fact]
    public void Ip_partitions_by_the_client_address()
    {
        Assert.Equal("a:10.0.0.1", Of("ip", Request("10.0.0.1")));
        Assert.Equal("a:255.255.255.255", Of("ip", new DefaultHttpContext())); // no address known: one shared partition
    }

    [Fact]
    public void A_header_key_partitions_by_its_value_and_falls_back_to_the_address()
    {
        var keyed = Request("10.0.0.1");
        keyed.Request.Headers["X-Api-Key"] = "k1";
        var empty = Request("10.0.0.1");
        empty.Request.Headers["X-Api-Key"] = "";

        Assert.Equal("k:k1", Of("header:X-Api-Key", keyed));
        Assert.Equal("a:10.0.0.1", Of("header:X-Api-Key", empty));
        Assert.Equal("a:10.0.0.1", Of("header:X-Api-Key", Request("10.0.0.1")));
    }

    [Fact]
    public void A_header_value_cannot_pose_as_an_address()
    {
        var posing = Request("10.0.0.9");
        posing.Request.Headers["X-Api-Key"] = "10.0.0.1";

        Assert.NotEqual(Of("header:X-Api-Key", Request("10.0.0.1")), Of("header:X-Api-Key", posing));
    }

    [Fact]
    public void A_jwt_key_partitions_by_a_string_claim_of_the_bearer_token()
    {
        Assert.Equal("j:alice", Of("jwt:sub", Bearer("""{"iss":"x","n":{"sub":"inner"},"sub":"alice"}""")));
        Assert.Equal("j:alice", Of("jwt:sub", Bearer("""{"sub":"alice"}""", scheme: "bearer")));
    }

    [Theory]
    [InlineData("""{"sub":42}""")]
    [InlineData("""{"other":"alice"}""")]
    [InlineData("""["sub","alice"]""")]
    [InlineData("""not json""")]
    [InlineData("""{"other":"x",""")]
    public void A_token_without_that_string_claim_falls_back_to_the_address(string payload) =>
        Assert.Equal("a:10.0.0.1", Of("jwt:sub", Bearer(payload)));

    [Theory]
    [InlineData("Basic YWxpY2U6cHc=")]
    [InlineData("Bearer nodots")]
    [InlineData("Bearer one.dot")]
    [InlineData("Bearer x.!!!.y")]
    public void A_missing_or_malformed_bearer_token_falls_back_to_the_address(string authorization)
    {
        var context = Request("10.0.0.1");
        context.Request.Headers.Authorization = authorization;

        Assert.Equal("a:10.0.0.1", Of("jwt:sub", context));
        Assert.Equal("a:10.0.0.1", Of("jwt:sub", Request("10.0.0.1")));
    }

    [Fact]
    public void A_payload_of_more_than_8192_chars_is_not_read()
    {
        // {"pad":"…","sub":"alice"} is 24 bytes around the padding; 6,144 bytes are exactly 8,192 base64url chars.
        var atLimit = Bearer($$"""{"pad":"{{new string('x', 6120)}}","sub":"alice"}""");
        var overLimit = Bearer($$"""{"pad":"{{new string('x', 6123)}}","sub":"alice"}""");

        Assert.Equal("j:alice", Of("jwt:sub", atLimit));
        Assert.Equal("a:10.0.0.1", Of("jwt:sub", overLimit));
    }

    private static string Of(string key, HttpContext context) => ClientPartition.TryParse(key)!.Of(context);

    private static DefaultHttpContext Request(string address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return context;
    }

    private static DefaultHttpContext Bearer(string payload, string scheme = "Bearer")
    {
        var context = Request("10.0.0.1");
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        context.Request.Headers.Authorization = $"{scheme} eyJhbGciOiJub25lIn0.{encoded}.sig";
        return context;
    }
}
