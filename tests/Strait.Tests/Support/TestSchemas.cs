using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Strait.Tests.Support;

/// <summary>
/// The samples' schemas as descriptor-set files (<c>schema.descriptorSets</c>), built from the compiled descriptors
/// with every import, as <c>protoc --include_imports</c> writes them. An in-process gateway loads them instead of
/// running the bundled protoc on each start. Written once per test run, deleted when it ends.
/// </summary>
internal static class TestSchemas
{
    private static readonly DirectoryInfo Directory = CreateDirectory();
    private static readonly Lazy<string> TodoFile = new(() => Write("todo.pb", global::Todo.V1.TodoReflection.Descriptor));
    private static readonly Lazy<string> EchoFile = new(() => Write("echo.pb", Strait.Echo.V1.EchoReflection.Descriptor));

    /// <summary>todo.v1 (samples/TaskService/Protos/todo.proto).</summary>
    public static string Todo => TodoFile.Value;

    /// <summary>strait.echo.v1's echo.proto (samples/node-echo/protos).</summary>
    public static string Echo => EchoFile.Value;

    private static DirectoryInfo CreateDirectory()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("strait-test-schemas-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Delete(recursive: true);
        return directory;
    }

    private static string Write(string name, FileDescriptor file)
    {
        var set = new FileDescriptorSet();
        Add(set, file, []);
        var path = Path.Combine(Directory.FullName, name);
        File.WriteAllBytes(path, set.ToByteArray());
        return path;
    }

    // Imports first, each file once.
    private static void Add(FileDescriptorSet set, FileDescriptor file, HashSet<string> added)
    {
        if (!added.Add(file.Name))
        {
            return;
        }

        foreach (var dependency in file.Dependencies)
        {
            Add(set, dependency, added);
        }

        set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
    }
}
