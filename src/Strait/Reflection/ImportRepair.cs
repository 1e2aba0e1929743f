using System.Collections.Frozen;
using Google.Protobuf.Reflection;
using Strait.Schema;

namespace Strait.Reflection;

/// <summary>
/// Makes reflected files loadable when the server built them itself instead of serving protoc's. @grpc/reflection
/// (through protobufjs) is the common case: its files have made-up names (<c>strait_echo_v1.proto</c>), list no
/// imports, and repeat the well-known types under names of their own (<c>google_protobuf.proto</c>). A file without
/// services that redeclares bundled types is dropped, and each file gets the imports its references need.
/// </summary>
internal static class ImportRepair
{
    private static readonly Lazy<FrozenDictionary<string, string>> BundledSymbols = new(() =>
    {
        var symbols = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in BundledProtoFiles.ByName.Values)
        {
            foreach (var symbol in Declared(FileDescriptorProto.Parser.ParseFrom(file.SerializedData)))
            {
                symbols.TryAdd(symbol, file.Name);
            }
        }

        return symbols.ToFrozenDictionary(StringComparer.Ordinal);
    });

    public static List<FileDescriptorProto> Apply(IEnumerable<FileDescriptorProto> files)
    {
        var bundled = BundledSymbols.Value;
        var kept = new List<FileDescriptorProto>();
        foreach (var file in files)
        {
            // Such a copy cannot be loaded beside the bundled file anyway (a symbol defined twice), and may be of
            // another release (protobufjs's descriptor.proto is newer than Google.Protobuf's).
            var redeclaresBundled = !BundledProtoFiles.ByName.ContainsKey(file.Name)
                && file.Service.Count == 0
                && Declared(file).Any(bundled.ContainsKey);
            if (!redeclaresBundled)
            {
                kept.Add(file);
            }
        }

        var symbols = new Dictionary<string, string>(bundled, StringComparer.Ordinal);
        foreach (var file in kept)
        {
            foreach (var symbol in Declared(file))
            {
                symbols[symbol] = file.Name;
            }
        }

        foreach (var file in kept)
        {
            foreach (var (reference, scope) in References(file))
            {
                if (Resolve(reference, scope, symbols) is { } owner && owner != file.Name && !file.Dependency.Contains(owner))
                {
                    file.Dependency.Add(owner);
                }
            }
        }

        return kept;
    }

    // A type name as protoc resolves it: absolute with a leading dot, else from the innermost scope outwards.
    private static string? Resolve(string reference, string scope, Dictionary<string, string> symbols)
    {
        if (reference.StartsWith('.'))
        {
            return symbols.GetValueOrDefault(reference[1..]);
        }

        for (var prefix = scope; ; prefix = prefix[..Math.Max(0, prefix.LastIndexOf('.'))])
        {
            if (symbols.TryGetValue(prefix.Length == 0 ? reference : prefix + "." + reference, out var owner))
            {
                return owner;
            }

            if (prefix.Length == 0)
            {
                return null;
            }
        }
    }

    private static IEnumerable<string> Declared(FileDescriptorProto file)
    {
        var package = file.Package.Length == 0 ? string.Empty : file.Package + ".";
        foreach (var name in Declared(package, file.MessageType, file.EnumType, file.Extension))
        {
            yield return name;
        }
    }

    private static IEnumerable<string> Declared(string prefix, IEnumerable<DescriptorProto> messages, IEnumerable<EnumDescriptorProto> enums, IEnumerable<FieldDescriptorProto> extensions)
    {
        foreach (var message in messages)
        {
            yield return prefix + message.Name;
            foreach (var nested in Declared(prefix + message.Name + ".", message.NestedType, message.EnumType, message.Extension))
            {
                yield return nested;
            }
        }

        foreach (var enumType in enums)
        {
            yield return prefix + enumType.Name;
        }

        foreach (var extension in extensions)
        {
            yield return prefix + extension.Name;
        }
    }

    // Every type name the file uses, with the scope it is resolved in.
    private static IEnumerable<(string Reference, string Scope)> References(FileDescriptorProto file)
    {
        foreach (var service in file.Service)
        {
            foreach (var method in service.Method)
            {
                yield return (method.InputType, file.Package);
                yield return (method.OutputType, file.Package);
            }
        }

        foreach (var reference in References(file.Package, file.MessageType, file.Extension))
        {
            yield return reference;
        }
    }

    private static IEnumerable<(string Reference, string Scope)> References(string scope, IEnumerable<DescriptorProto> messages, IEnumerable<FieldDescriptorProto> extensions)
    {
        foreach (var extension in extensions)
        {
            if (extension.HasTypeName)
            {
                yield return (extension.TypeName, scope);
            }

            if (extension.HasExtendee)
            {
                yield return (extension.Extendee, scope);
            }
        }

        foreach (var message in messages)
        {
            var inner = scope.Length == 0 ? message.Name : scope + "." + message.Name;
            foreach (var field in message.Field)
            {
                if (field.HasTypeName)
                {
                    yield return (field.TypeName, inner);
                }
            }

            foreach (var reference in References(inner, message.NestedType, message.Extension))
            {
                yield return reference;
            }
        }
    }
}
