namespace Strait.Tests.Support;

/// <summary>Where the repository and the built programs are, found from the test assembly's location.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary><c>Debug</c> or <c>Release</c>: the configuration these tests were built in (siblings share it).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string StraitServerDll => Built("src/Strait.Server", "Strait.Server.dll");

    public static string TaskServiceDll => Built("samples/TaskService", "TaskService.dll");

    public static string GrpcDotnetBackendDll => Built("samples/GrpcDotnetBackend", "GrpcDotnetBackend.dll");

    public static string EmbeddedGatewayDll => Built("samples/EmbeddedGateway", "EmbeddedGateway.dll");

    public static string NodeEcho => Path.Combine(Root, "samples", "node-echo");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built (expected {path})");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Strait.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Strait.sln not found above " + AppContext.BaseDirectory);
    }
}
