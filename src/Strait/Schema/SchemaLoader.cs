using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Strait.Schema;

/// <summary>
/// Builds a <see cref="SchemaRegistry"/> from descriptor sets (files written by
/// <c>protoc --descriptor_set_out --include_imports</c>, protoc's output for .proto sources, or descriptors
/// fetched from a live backend). Imports the sets omit are filled in from <see cref="BundledProtoFiles"/>.
/// </summary>
internal static class SchemaLoader
{
    private static readonly ExtensionRegistry OptionExtensions =
    [
        AnnotationsExtensions.Http,
        FieldBehaviorExtensions.FieldBehavior,
    ];

    /// <summary>Reads a descriptor set file; the error names the file when it is missing or not a descriptor set.</summary>
    public static FileDescriptorSet ReadDescriptorSetFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SchemaException($"cannot read descriptor set '{path}': {e.Message}", e);
        }

        try
        {
            var set = FileDescriptorSet.Parser.ParseFrom(bytes);
            if (set.File.Count == 0)
            {
                throw new SchemaException($"descriptor set '{path}' contains no files");
            }

            return set;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SchemaException($"'{path}' is not a FileDescriptorSet (write one with protoc --descriptor_set_out --include_imports): {e.Message}", e);
        }
    }

    /// <summary>
    /// Builds the registry. Services are exposed from every file of <paramref name="sets"/>; files only added
    /// to satisfy imports contribute types but no services.
    /// </summary>
    public static SchemaRegistry Load(IEnumerable<FileDescriptorSet> sets)
    {
        var protos = new Dictionary<string, FileDescriptorProto>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            foreach (var file in set.File)
            {
                if (protos.TryGetValue(file.Name, out var existing))
                {
                    if (!existing.Equals(file))
                    {
                        throw new SchemaException($"file '{file.Name}' is given twice with different contents");
                    }

                    continue;
                }

                protos.Add(file.Name, file);
            }
        }

        if (protos.Count == 0)
        {
            throw new SchemaException("no proto files were given");
        }

        var userFiles = protos.Keys.Where(name => !BundledProtoFiles.ByName.ContainsKey(name)).ToHashSet(StringComparer.Ordinal);
        AddMissingImports(protos);

        var ordered = DependencyOrder.Sort(protos.Values, p => p.Name, p => p.Dependency);
        IReadOnlyList<FileDescriptor> files;
        try
        {
            files = FileDescriptor.BuildFromByteStrings(ordered.Select(p => p.ToByteString()), OptionExtensions);
        }
        catch (DescriptorValidationException e)
        {
            throw new SchemaException($"invalid schema: {e.Message}", e);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SchemaException($"invalid schema: {e.Message}", e);
        }

        return new SchemaRegistry(files, userFiles);
    }

    private static void AddMissingImports(Dictionary<string, FileDescriptorProto> protos)
    {
        var pending = new Queue<FileDescriptorProto>(protos.Values);
        while (pending.TryDequeue(out var file))
        {
            foreach (var dependency in file.Dependency)
            {
                if (protos.ContainsKey(dependency) || !BundledProtoFiles.ByName.TryGetValue(dependency, out var bundled))
                {
                    continue;
                }

                var proto = FileDescriptorProto.Parser.ParseFrom(bundled.SerializedData);
                protos.Add(dependency, proto);
                pending.Enqueue(proto);
            }
        }
    }
}
