using System.Text.Json;

namespace Strait.Tests.Support;

/// <summary>A response read whole, with its JSON body parsed.</summary>
internal sealed record JsonReply(int Status, string? ContentType, JsonElement Body, HttpResponseMessage Message)
{
    public static async Task<JsonReply> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new JsonReply((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response);
    }

    public string Text(string property) => Body.GetProperty(property).GetString()!;

    /// <summary>Asserts a problem+json body whose status member agrees with the status line.</summary>
    public JsonReply AssertProblem(int status, string grpcStatus)
    {
        Assert.Equal(status, Status);
        Assert.Equal("application/problem+json", ContentType);
        Assert.Equal(status, Body.GetProperty("status").GetInt32());
        Assert.Equal(grpcStatus, Text("grpcStatus"));
        Assert.False(string.IsNullOrEmpty(Text("requestId")));
        Assert.False(string.IsNullOrEmpty(Text("traceId")));
        Assert.StartsWith("urn:strait:problem:", Text("type"), StringComparison.Ordinal);
        return this;
    }
}
