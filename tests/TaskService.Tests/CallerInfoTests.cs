
namespace Strait.Samples.TaskService.Tests;

public sealed class CallerInfoTests
{
    [Theory]
    [InlineData("Bearer alice", "alice")]
    [InlineData("bearer  bob ", "bob")]
    [InlineData("Bearer ", "anonymous")]
    [InlineData("Basic dXNlcjpwdw==", "anonymous")]
    [InlineData("Bearerx", "anonymous")]
    public void User_comes_from_a_bearer_token(string authorization, string expectedUser)
    {
        var caller = CallerInfo.FromHeaders([new("authorization", authorization)]);

        Assert.Equal(expectedUser, caller.User);
    }

    [Fact]
    public void Missing_authorization_is_anonymous()
    {
        Assert.Equal("anonymous", CallerInfo.FromHeaders([new("x-other", "1")]).User);
        Assert.Equal("anonymous", CallerInfo.Anonymous.User);
    }

    [Fact]
    public void Headers_are_case_insensitive_and_the_first_value_wins()
    {
        var caller = CallerInfo.FromHeaders([new("Authorization", "Bearer carol"), new("X-Strait-Demo-Delay-Ms", "5"), new("x-strait-demo-delay-ms", "9")]);

        Assert.Equal("carol", caller.User);
        Assert.Equal("5", caller.Headers[FaultHeaders.Delay]);
    }
}
