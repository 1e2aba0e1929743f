using System.Collections.Frozen;
using Google.Api;
using Google.Protobuf.Reflection;

namespace Strait.Schema;

/// <summary>
/// An immutable view of one loaded schema: the files, the services Strait exposes, every message type by full
/// name (for <c>google.protobuf.Any</c>) and the HTTP rules of each method. Built by <see cref="SchemaLoader"/>;
/// a new schema means a new registry, never a mutation.
/// </summary>
internal sealed class SchemaRegistry
{
    private readonly FrozenDictionary<string, MethodDescriptor> methodsByPath;
    private readonly FrozenDictionary<string, MessageDescriptor> messagesByName;
    private readonly FrozenDictionary<string, EnumDescriptor> enumsByName;

    internal SchemaRegistry(IReadOnlyList<FileDescriptor> files, IReadOnlySet<string> userFileNames)
    {
        Files = files;
        var services = new List<ServiceDescriptor>();
        var methods = new Dictionary<string, MethodDescriptor>(StringComparer.Ordinal);
        var messages = new Dictionary<string, MessageDescriptor>(StringComparer.Ordinal);
        var enums = new Dictionary<string, EnumDescriptor>(StringComparer.Ordinal);

        foreach (var file in files)
        {
            foreach (var message in file.MessageTypes)
            {
                AddMessage(message, messages, enums);
            }

            foreach (var enumType in file.EnumTypes)
            {
                enums.TryAdd(enumType.FullName, enumType);
            }

            if (!userFileNames.Contains(file.Name))
            {
                continue;
            }

            foreach (var service in file.Services)
            {
                services.Add(service);
                foreach (var method in service.Methods)
                {
                    methods[PathOf(method)] = method;
                }
            }
        }

        Services = services;
        methodsByPath = methods.ToFrozenDictionary(StringComparer.Ordinal);
        messagesByName = messages.ToFrozenDictionary(StringComparer.Ordinal);
        enumsByName = enums.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every file of the schema, dependencies first.</summary>
    public IReadOnlyList<FileDescriptor> Files { get; }

    /// <summary>The services declared in the files the user supplied (not in bundled imports).</summary>
    public IReadOnlyList<ServiceDescriptor> Services { get; }

    /// <summary>Every method Strait can call, keyed by its gRPC path <c>/package.Service/Method</c>.</summary>
    public IReadOnlyDictionary<string, MethodDescriptor> MethodsByPath => methodsByPath;

    /// <summary>The gRPC request path of a method: <c>/package.Service/Method</c>.</summary>
    public static string PathOf(MethodDescriptor method) => "/" + method.Service.FullName + "/" + method.Name;

    public MethodDescriptor? FindMethod(string grpcPath) => methodsByPath.GetValueOrDefault(grpcPath);

    /// <summary>
    /// A message type by full name. Falls back to the bundled Google types, so an <c>Any</c> carrying for
    /// example <c>google.rpc.BadRequest</c> resolves even when the user's schema never imports it.
    /// </summary>
    public MessageDescriptor? FindMessageType(string fullName)
    {
        if (messagesByName.TryGetValue(fullName, out var message))
        {
            return message;
        }

        return BundledMessageTypes.Find(fullName);
    }

    public EnumDescriptor? FindEnumType(string fullName) => enumsByName.GetValueOrDefault(fullName);

    /// <summary>The <c>google.api.http</c> annotation of a method, or null when it has none.</summary>
    public static HttpRule? HttpRuleOf(MethodDescriptor method)
    {
        var options = method.GetOptions();
        return options is not null && options.HasExtension(AnnotationsExtensions.Http)
            ? options.GetExtension(AnnotationsExtensions.Http)
            : null;
    }

    /// <summary>The schema as a <see cref="FileDescriptorSet"/> (what <c>strait</c> and reflection hand out).</summary>
    public FileDescriptorSet ToDescriptorSet()
    {
        var set = new FileDescriptorSet();
        foreach (var file in Files)
        {
            set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
        }

        return set;
    }

    private static void AddMessage(
        MessageDescriptor message,
        Dictionary<string, MessageDescriptor> messages,
        Dictionary<string, EnumDescriptor> enums)
    {
        messages.TryAdd(message.FullName, message);
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, messages, enums);
        }

        foreach (var enumType in message.EnumTypes)
        {
            enums.TryAdd(enumType.FullName, enumType);
        }
    }

    private static class BundledMessageTypes
    {
        private static readonly Lazy<FrozenDictionary<string, MessageDescriptor>> ByName = new(() =>
        {
            var messages = new Dictionary<string, MessageDescriptor>(StringComparer.Ordinal);
            var enums = new Dictionary<string, EnumDescriptor>(StringComparer.Ordinal);
            foreach (var file in BundledProtoFiles.ByName.Values)
            {
                foreach (var message in file.MessageTypes)
                {
                    AddMessage(message, messages, enums);
                }
            }

            return messages.ToFrozenDictionary(StringComparer.Ordinal);
        });

        public static MessageDescriptor? Find(string fullName) => ByName.Value.GetValueOrDefault(fullName);
    }
}
