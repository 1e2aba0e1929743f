using System.Text;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// grpc-gateway's streaming request bodies on a client-streaming route: an <c>application/json</c> body of JSON values
/// one after another is a stream of messages, each sent upstream as soon as it is complete (one object is a stream of
/// one, a JSON array still a stream of its elements), over HTTP/1.1 and HTTP/2, against the grpc-js ClientStream
/// that joins the texts it received.
/// </summary>
public sealed class ConcatenatedJsonStreamTests : IClassFixture<StreamBodyGateway>
{
    private readonly StreamBodyGateway fixture;

    public ConcatenatedJsonStreamTests(StreamBodyGateway fixture)
    {
        this.fixture = fixture;
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Json_values_one_after_another_are_a_stream_of_messages_however_they_are_separated_and_split(string version)
    {
        // No separator, a newline, and a pretty-printed object; a brace inside a string is not the end of a value.
        const string body = "{\"text\":\"a\"}{\"text\":\"b}{\"}\n{\n  \"text\": \"c\",\n  \"count\": 2\n}\n";

        var whole = await CollectAsync(version, new StringContent(body, Encoding.UTF8, "application/json"));
        var trickled = await CollectAsync(version, new TrickledBody(body, "application/json", chunk: 3));

        foreach (var reply in new[] { whole, trickled })
        {
            Assert.Equal(200, reply.Status);
            Assert.Equal("a+b}{+c", reply.Text("text"));
            Assert.Equal(3, reply.Body.GetProperty("index").GetInt32());
        }
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task One_object_is_a_stream_of_one_an_array_a_stream_of_its_elements_and_an_empty_body_a_stream_of_none(string version)
    {
        var one = await CollectAsync(version, new StringContent("  {\"text\":\"solo\"}  ", Encoding.UTF8, "application/json"));
        var array = await CollectAsync(version, new StringContent("[{\"text\":\"a\"},{\"text\":\"b\"}]", Encoding.UTF8, "application/json"));
        var empty = await CollectAsync(version, new StringContent(" \n ", Encoding.UTF8, "application/json"));

        Assert.Equal((200, "solo", 1), (one.Status, one.Text("text"), one.Body.GetProperty("index").GetInt32()));
        Assert.Equal((200, "a+b", 2), (array.Status, array.Text("text"), array.Body.GetProperty("index").GetInt32()));
        Assert.Equal(200, empty.Status);
        Assert.False(empty.Body.TryGetProperty("index", out _), "the backend received messages from a blank body");
    }

    [Theory]
    [InlineData("1.1", "{\"text\":\"a\"} {\"nope\":1}", "Message 2 of the request body is invalid", "message 2: $.nope")]
    [InlineData("2.0", "{\"text\":\"a\"} {\"nope\":1}", "Message 2 of the request body is invalid", "message 2: $.nope")]
    [InlineData("1.1", "{\"text\":\"a\"}\n{\"text\":}", "Message 2 of the request body is not valid JSON", null)]
    [InlineData("2.0", "{\"text\":\"a\"}\n{\"text\":}", "Message 2 of the request body is not valid JSON", null)]
    [InlineData("1.1", "{\"text\":\"a\"}{\"text\":\"b\"", "Message 2 of the request body is not valid JSON: unexpected end of input", null)]
    [InlineData("1.1", "{\"text\":\"a\"} xyz", "Message 2 of the request body is not valid JSON", null)]
    [InlineData("2.0", "{\"text\":\"a\"} xyz", "Message 2 of the request body is not valid JSON", null)]
    [InlineData("1.1", "{\"text\":\"a\"}}", "Message 2 of the request body is not valid JSON", null)]
    public async Task A_bad_value_or_trailing_garbage_is_a_400_naming_the_message(string version, string body, string detail, string? field)
    {
        var reply = await CollectAsync(version, new StringContent(body, Encoding.UTF8, "application/json"));

        reply.AssertProblem(400, "INVALID_ARGUMENT");
        Assert.StartsWith(detail, reply.Text("detail"), StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.Equal(field, reply.Body.GetProperty("errors")[0].GetProperty("field").GetString());
        }
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task The_size_limit_applies_to_each_message_not_to_the_stream(string version)
    {
        var text = new string('x', 200);
        var many = string.Concat(Enumerable.Repeat($"{{\"text\":\"{text}\"}}\n", 10));
        Assert.True(Encoding.UTF8.GetByteCount(many) > StreamBodyGateway.MessageLimit);
        var large = $"{{\"text\":\"a\"}} {{\"text\":\"{new string('y', StreamBodyGateway.MessageLimit)}\"}}";

        var streamed = await CollectAsync(version, new TrickledBody(many, "application/json", chunk: 500));
        var tooLarge = await CollectAsync(version, new StringContent(large, Encoding.UTF8, "application/json"));

        Assert.Equal(200, streamed.Status);
        Assert.Equal(10, streamed.Body.GetProperty("index").GetInt32());
        tooLarge.AssertProblem(413, "INVALID_ARGUMENT");
    }

    private async Task<JsonReply> CollectAsync(string version, HttpContent body)
    {
        using var client = StreamBodyGateway.Client(fixture.Gateway, version);
        using var request = StreamBodyGateway.Post(client, "/v1/stream:collect", body);
        using var response = await client.SendAsync(request);
        Assert.Equal(version, $"{response.Version.Major}.{response.Version.Minor}");
        return await JsonReply.ReadAsync(response);
    }
}
