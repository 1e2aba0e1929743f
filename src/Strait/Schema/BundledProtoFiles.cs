using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Strait.Schema;

/// <summary>
/// The .proto files whose descriptors are compiled into Google.Protobuf (the well-known types) and
/// Google.Api.CommonProtos (google/api, google/rpc, google/type …). Users import them without shipping them:
/// Strait hands them to protoc as a descriptor set and adds them to descriptor sets that omit them.
/// </summary>
internal static class BundledProtoFiles
{
    private static readonly Lazy<IReadOnlyDictionary<string, FileDescriptor>> Files = new(Collect);

    /// <summary>Bundled files by proto path (for example <c>google/api/http.proto</c>).</summary>
    public static IReadOnlyDictionary<string, FileDescriptor> ByName => Files.Value;

    /// <summary>All bundled files as one <see cref="FileDescriptorSet"/>, dependencies first.</summary>
    public static FileDescriptorSet ToDescriptorSet()
    {
        var set = new FileDescriptorSet();
        foreach (var file in DependencyOrder.Sort(ByName.Values, f => f.Name, f => f.Dependencies.Select(d => d.Name)))
        {
            set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
        }

        return set;
    }

    // Generated code exposes each file as a static `Descriptor` property on its `*Reflection` class. Scanning
    // the two assemblies once keeps the list complete when a package update adds files.
    private static IReadOnlyDictionary<string, FileDescriptor> Collect()
    {
        var result = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
        Assembly[] assemblies = [typeof(IMessage).Assembly, typeof(Google.Api.HttpRule).Assembly];
        foreach (var assembly in assemblies)
        {
            foreach (var type in assembly.GetExportedTypes())
            {
                if (!type.Name.EndsWith("Reflection", StringComparison.Ordinal))
                {
                    continue;
                }

                var property = type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static);
                if (property?.GetValue(null) is FileDescriptor file)
                {
                    AddWithDependencies(file, result);
                }
            }
        }

        return result;
    }

    private static void AddWithDependencies(FileDescriptor file, Dictionary<string, FileDescriptor> result)
    {
        if (!result.TryAdd(file.Name, file))
        {
            return;
        }

        foreach (var dependency in file.Dependencies)
        {
            AddWithDependencies(dependency, result);
        }
    }
}
