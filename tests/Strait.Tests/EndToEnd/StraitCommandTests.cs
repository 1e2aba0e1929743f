namespace Strait.Tests.EndToEnd;

/// <summary>The real <c>strait</c> command: the route table it prints, and how it reports user errors.</summary>
public sealed class StraitCommandTests
{
    private static readonly string TodoProtos = Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos");

    [Fact]
    public async Task Routes_command_prints_the_table()
    {
        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "routes", "--proto", Path.Combine(TodoProtos, "todo.proto")]);

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Matches(@"PATCH\s+/v1/\{task\.name=tasks/\*\}\s+todo\.v1\.TaskService\.UpdateTask\s+task", process.Output);
        Assert.Matches(@"POST\s+/v1/tasks:batchCreate\s+todo\.v1\.TaskService\.BatchCreateTasks\s+\*", process.Output);
    }

    [Theory]
    [InlineData("serve --proto /no/such.proto --backend 127.0.0.1:1", "/no/such.proto")]
    [InlineData("serve --backend 127.0.0.1:1", "no schema")]
    [InlineData("serve --proto PROTO --backend ftp://h:1", "ftp://h:1")]
    [InlineData("serve --bogus-flag", "--bogus-flag")]
    [InlineData("serve --proto PROTO --backend 127.0.0.1:1 --lb-policy fastest", "backend.lbPolicy: 'fastest' is not a policy; use least_request, round_robin")]
    [InlineData("serve --proto PROTO --backend 127.0.0.1:1 --listen foo", "foo")]
    [InlineData("serve --proto PROTO --backend 127.0.0.1:1 --listen https://127.0.0.1:0", "https://127.0.0.1:0")]
    public async Task User_errors_exit_2_with_one_message(string arguments, string mentioned)
    {
        var args = arguments.Replace("PROTO", Path.Combine(TodoProtos, "todo.proto"), StringComparison.Ordinal).Split(' ');
        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, .. args]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(mentioned, process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }
}
