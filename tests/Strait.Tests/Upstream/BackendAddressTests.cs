using Strait.Upstream;

namespace Strait.Tests.Upstream;

public sealed class BackendAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:50051", "http://127.0.0.1:50051/")]
    [InlineData("backend:80", "http://backend/")]
    [InlineData("[::1]:9000", "http://[::1]:9000/")]
    [InlineData("http://todo:8080", "http://todo:8080/")]
    [InlineData("https://todo.internal", "https://todo.internal/")]
    public void Accepts_the_documented_forms(string text, string expected)
    {
        Assert.True(BackendAddress.TryParse(text, out var address, out var error), error);
        Assert.Equal(expected, address.ToString());
    }

    [Theory]
    [InlineData("backend", "has no port")]
    [InlineData("[::1]", "has no port")]
    [InlineData("ftp://x:1", "is not HOST:PORT")]
    [InlineData("http://x:1/path", "must not have a path")]
    [InlineData("not a host:1", "is not HOST:PORT")]
    public void Rejects_everything_else_with_a_reason(string text, string reason)
    {
        Assert.False(BackendAddress.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
