using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Strait.Schema;

/// <summary>
/// Compiles .proto sources into a descriptor set with protoc. The protoc shipped in the Grpc.Tools package is
/// carried into Strait's output, so nothing needs to be installed; <c>STRAIT_PROTOC</c> or a protoc on PATH
/// overrides it. Google's well-known and google/api, google/rpc files are passed with
/// <c>--descriptor_set_in</c>, so users need not have them on disk.
/// </summary>
internal sealed class ProtocCompiler
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private ProtocCompiler(string executable) => Executable = executable;

    public string Executable { get; }

    /// <summary>Finds protoc: the explicit path, then <c>STRAIT_PROTOC</c>, then PATH, then the bundled copy.</summary>
    public static ProtocCompiler Locate(string? explicitPath = null)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath)
                ? new ProtocCompiler(explicitPath)
                : throw new SchemaException($"protoc not found at '{explicitPath}'");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("STRAIT_PROTOC");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Locate(fromEnvironment);
        }

        var onPath = FindOnPath(OperatingSystem.IsWindows() ? "protoc.exe" : "protoc");
        if (onPath is not null)
        {
            return new ProtocCompiler(onPath);
        }

        var bundled = Path.Combine(AppContext.BaseDirectory, "protoc", PlatformFolder(), OperatingSystem.IsWindows() ? "protoc.exe" : "protoc");
        if (!File.Exists(bundled))
        {
            throw new SchemaException($"no protoc for this platform ({RuntimeInformation.RuntimeIdentifier}): set STRAIT_PROTOC, put protoc on PATH, or use a descriptor set instead of .proto files");
        }

        EnsureExecutable(bundled);
        return new ProtocCompiler(bundled);
    }

    /// <summary>
    /// Compiles <paramref name="protoFiles"/> with imports resolved from <paramref name="protoPaths"/> (each
    /// file's own folder when none is given). As with protoc, a file is a path on disk or, failing that, a path
    /// relative to one of <paramref name="protoPaths"/>. protoc's messages are passed through in the exception.
    /// </summary>
    public FileDescriptorSet Compile(IReadOnlyList<string> protoFiles, IReadOnlyList<string> protoPaths)
    {
        if (protoFiles.Count == 0)
        {
            throw new SchemaException("no .proto files were given");
        }

        if (protoFiles.Any(string.IsNullOrWhiteSpace) || protoPaths.Any(string.IsNullOrWhiteSpace))
        {
            throw new SchemaException("a .proto file or --proto-path is empty");
        }

        var importPaths = protoPaths.Count > 0
            ? protoPaths.Select(Path.GetFullPath).ToList()
            : protoFiles.Where(File.Exists).Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!).Distinct(StringComparer.Ordinal).ToList();

        var inputs = new List<string>(protoFiles.Count);
        foreach (var file in protoFiles)
        {
            // The same file given twice, by disk path and by import name, is one input.
            var name = ImportName(file, importPaths);
            if (!inputs.Contains(name))
            {
                inputs.Add(name);
            }
        }

        var workDirectory = Directory.CreateTempSubdirectory("strait-protoc-");
        try
        {
            var bundledSet = Path.Combine(workDirectory.FullName, "bundled.pb");
            var output = Path.Combine(workDirectory.FullName, "out.pb");
            File.WriteAllBytes(bundledSet, BundledProtoFiles.ToDescriptorSet().ToByteArray());

            var arguments = new List<string>
            {
                "--descriptor_set_in=" + bundledSet,
                "--descriptor_set_out=" + output,
                "--include_imports",
                "--include_source_info",
            };
            arguments.AddRange(importPaths.Select(p => "--proto_path=" + p));
            arguments.AddRange(inputs);

            var (exitCode, stderr) = Run(arguments);
            if (exitCode != 0)
            {
                throw new SchemaException($"protoc failed to compile {string.Join(", ", inputs)}:{Environment.NewLine}{stderr.Trim()}");
            }

            return FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(output));
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The name protoc knows <paramref name="file"/> by, which is also what other files import it as: a file on disk
    /// is named relative to the first root that holds it; any other relative path is already an import name, and
    /// the first root under which it exists wins.
    /// </summary>
    private static string ImportName(string file, List<string> roots)
    {
        var fullPath = Path.GetFullPath(file);
        if (File.Exists(fullPath))
        {
            var root = roots.FirstOrDefault(r => IsInside(fullPath, r));
            return root is null
                ? throw new SchemaException($"proto file '{file}' is not inside any --proto-path ({string.Join(", ", roots)})")
                : RelativeName(root, fullPath);
        }

        if (Path.IsPathRooted(file) || roots.Count == 0)
        {
            throw new SchemaException($"proto file '{file}' does not exist");
        }

        foreach (var root in roots)
        {
            // protoc refuses import names that climb out of their root; so does this lookup.
            var candidate = Path.GetFullPath(Path.Combine(root, file));
            if (IsInside(candidate, root) && File.Exists(candidate))
            {
                return RelativeName(root, candidate);
            }
        }

        throw new SchemaException($"proto file '{file}' is neither in {Directory.GetCurrentDirectory()} nor under any --proto-path ({string.Join(", ", roots)})");
    }

    private static string RelativeName(string root, string fullPath) => Path.GetRelativePath(root, fullPath).Replace('\\', '/');

    private static bool IsInside(string fullPath, string root) =>
        fullPath.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private (int ExitCode, string Stderr) Run(List<string> arguments)
    {
        var startInfo = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new SchemaException($"could not start protoc at '{Executable}'");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new SchemaException($"protoc did not finish within {Timeout.TotalSeconds:0} s");
        }

        Task.WaitAll(stderr, stdout);
        return (process.ExitCode, stderr.Result + stdout.Result);
    }

    private static string PlatformFolder()
    {
        if (OperatingSystem.IsMacOS())
        {
            return "macosx_universal";
        }

        var os = OperatingSystem.IsWindows() ? "windows" : "linux";
        var arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            _ => "x64",
        };
        return os + "_" + arch;
    }

    private static string? FindOnPath(string fileName)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // NuGet extraction and MSBuild copies do not always keep the executable bit.
    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | execute);
        }
    }
}
