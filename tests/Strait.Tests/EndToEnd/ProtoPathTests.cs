namespace Strait.Tests.EndToEnd;

/// <summary>
/// `strait validate` given a .proto the way protoc takes it: a path on disk, or a path under an import root, by flag
/// and by configuration file. The process runs in the repository root.
/// </summary>
public sealed class ProtoPathTests : IDisposable
{
    private const string Protos = "samples/TaskService/Protos";
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("strait-proto-path-tests-");

    public void Dispose() => directory.Delete(recursive: true);

    [Theory]
    [InlineData("todo.proto")]
    [InlineData(Protos + "/todo.proto")]
    public async Task A_proto_on_disk_or_under_an_import_root_is_loaded(string proto)
    {
        await AssertValidAsync("validate", "--proto", proto, "-I", Protos);

        var config = Path.Combine(directory.FullName, "strait.yaml");
        File.WriteAllText(config, $"schema:\n  protos: [\"{proto}\"]\n  protoPaths: [\"{Protos}\"]\n");
        await AssertValidAsync("validate", "--config", config);
    }

    [Fact]
    public async Task A_proto_found_nowhere_exits_2_naming_it_and_the_roots_searched()
    {
        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "validate", "--proto", "todo/v1/todo.proto", "-I", Protos, "-I", "docs"]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("'todo/v1/todo.proto'", process.Output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(RepositoryPaths.Root, "samples", "TaskService", "Protos"), process.Output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(RepositoryPaths.Root, "docs"), process.Output, StringComparison.Ordinal);
    }

    private static async Task AssertValidAsync(params string[] arguments)
    {
        await using var process = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, .. arguments]);

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, process.Output);
        Assert.Contains("strait: configuration is valid: ", process.Output, StringComparison.Ordinal);
    }
}
