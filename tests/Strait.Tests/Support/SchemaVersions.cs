using Google.Protobuf.Reflection;
using Strait.Schema;

namespace Strait.Tests.Support;

/// <summary>The versions of the catalog API in tests/Strait.Tests/SchemaVersions, compiled with the bundled protoc.</summary>
internal static class SchemaVersions
{
    public const string Service = "strait.catalog.v1.Catalog";

    private static readonly Dictionary<string, FileDescriptorSet> Compiled = new(StringComparer.Ordinal);

    public static string Directory(string version) => Path.Combine(RepositoryPaths.Root, "tests", "Strait.Tests", "SchemaVersions", version);

    /// <summary>The version's descriptor set, imports included.</summary>
    public static FileDescriptorSet Set(string version)
    {
        lock (Compiled)
        {
            if (!Compiled.TryGetValue(version, out var set))
            {
                set = ProtocCompiler.Locate().Compile([Path.Combine(Directory(version), "catalog.proto")], [Directory(version)]);
                Compiled[version] = set;
            }

            return set;
        }
    }

    /// <summary>The version's files as descriptors, for a reflection server.</summary>
    public static IReadOnlyList<FileDescriptor> Files(string version) => SchemaLoader.Load([Set(version)]).Files;

    /// <summary>Writes the version's descriptor set into <paramref name="directory"/>, for a backend process.</summary>
    public static string WriteSet(string version, DirectoryInfo directory)
    {
        var path = Path.Combine(directory.FullName, version + ".pb");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(Set(version)));
        return path;
    }
}
