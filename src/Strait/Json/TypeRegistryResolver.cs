using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>Resolves <c>Any</c> type URLs through a Google.Protobuf <see cref="TypeRegistry"/>.</summary>
internal sealed class TypeRegistryResolver(TypeRegistry registry) : IMessageTypeResolver
{
    public MessageDescriptor? FindMessageType(string fullName) => registry.Find(fullName);
}
