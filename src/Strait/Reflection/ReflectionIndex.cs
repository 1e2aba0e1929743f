using System.Collections.Frozen;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Strait.Wire;

namespace Strait.Reflection;

/// <summary>
/// What a reflection server answers from: its files, the symbols they define and the services it lists. Immutable, so
/// one stream answers from one schema even when the gateway swaps to another meanwhile.
/// </summary>
internal sealed class ReflectionIndex
{
    private readonly FrozenDictionary<string, FileDescriptor> filesByName;
    private readonly FrozenDictionary<string, FileDescriptor> filesBySymbol;
    private readonly FrozenDictionary<(string Type, int Number), FileDescriptor> filesByExtension;
    private readonly string[] services;

    /// <param name="files">Every file to serve, with its imports.</param>
    /// <param name="services">The services to list; their files must be among <paramref name="files"/>.</param>
    public ReflectionIndex(IEnumerable<FileDescriptor> files, IEnumerable<string> services)
    {
        var byName = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            AddWithImports(file, byName);
        }

        var bySymbol = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
        var byExtension = new Dictionary<(string, int), FileDescriptor>();
        foreach (var file in byName.Values)
        {
            foreach (var service in file.Services)
            {
                bySymbol.TryAdd(service.FullName, file);
                foreach (var method in service.Methods)
                {
                    bySymbol.TryAdd(method.FullName, file);
                }
            }

            AddScope(file.MessageTypes, file.EnumTypes, file.Extensions.UnorderedExtensions, file, bySymbol, byExtension);
        }

        filesByName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        filesBySymbol = bySymbol.ToFrozenDictionary(StringComparer.Ordinal);
        filesByExtension = byExtension.ToFrozenDictionary();
        this.services = [.. services.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The services listed, in name order.</summary>
    public IReadOnlyList<string> Services => services;

    /// <summary>The answer to one request of a <c>ServerReflectionInfo</c> stream.</summary>
    public ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new ListServiceResponse();
                foreach (var service in services)
                {
                    response.ListServicesResponse.Service.Add(new ServiceResponse { Name = service });
                }

                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                Describe(response, filesByName.GetValueOrDefault(request.FileByFilename), $"file '{request.FileByFilename}'");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                Describe(response, filesBySymbol.GetValueOrDefault(TrimLeadingDot(request.FileContainingSymbol)), $"symbol '{request.FileContainingSymbol}'");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                var extension = request.FileContainingExtension;
                Describe(
                    response,
                    filesByExtension.GetValueOrDefault((TrimLeadingDot(extension.ContainingType), extension.ExtensionNumber)),
                    $"extension {extension.ExtensionNumber} of '{extension.ContainingType}'");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                var type = TrimLeadingDot(request.AllExtensionNumbersOfType);
                if (!filesBySymbol.ContainsKey(type))
                {
                    Fail(response, GrpcStatusCode.NotFound, $"type '{request.AllExtensionNumbersOfType}' is not known");
                    break;
                }

                response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = type };
                foreach (var key in filesByExtension.Keys)
                {
                    if (key.Type == type)
                    {
                        response.AllExtensionNumbersResponse.ExtensionNumber.Add(key.Number);
                    }
                }

                break;
            default:
                Fail(response, GrpcStatusCode.InvalidArgument, "the request asks for nothing (message_request is not set)");
                break;
        }

        return response;
    }

    // The file and all it imports, transitively, dependencies first: one answer carries everything a client needs.
    private static void Describe(ServerReflectionResponse response, FileDescriptor? file, string what)
    {
        if (file is null)
        {
            Fail(response, GrpcStatusCode.NotFound, what + " is not known");
            return;
        }

        var closure = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
        AddWithImports(file, closure);
        response.FileDescriptorResponse = new FileDescriptorResponse();
        foreach (var member in closure.Values)
        {
            response.FileDescriptorResponse.FileDescriptorProto.Add(member.SerializedData);
        }
    }

    private static void Fail(ServerReflectionResponse response, GrpcStatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };

    private static void AddWithImports(FileDescriptor file, Dictionary<string, FileDescriptor> into)
    {
        if (into.ContainsKey(file.Name))
        {
            return;
        }

        foreach (var dependency in file.Dependencies)
        {
            AddWithImports(dependency, into);
        }

        into.TryAdd(file.Name, file);
    }

    // The types a file or message declares, recursively, and the extensions declared in it.
    private static void AddScope(
        IEnumerable<MessageDescriptor> messages,
        IEnumerable<EnumDescriptor> enums,
        IEnumerable<FieldDescriptor> extensions,
        FileDescriptor file,
        Dictionary<string, FileDescriptor> bySymbol,
        Dictionary<(string, int), FileDescriptor> byExtension)
    {
        foreach (var message in messages)
        {
            bySymbol.TryAdd(message.FullName, file);
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                bySymbol.TryAdd(field.FullName, file);
            }

            AddScope(message.NestedTypes, message.EnumTypes, message.Extensions.UnorderedExtensions, file, bySymbol, byExtension);
        }

        foreach (var enumType in enums)
        {
            bySymbol.TryAdd(enumType.FullName, file);
        }

        foreach (var extension in extensions)
        {
            bySymbol.TryAdd(extension.FullName, file);
            byExtension.TryAdd((extension.ExtendeeType.FullName, extension.FieldNumber), file);
        }
    }

    private static string TrimLeadingDot(string name) => name.StartsWith('.') ? name[1..] : name;
}
