using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>Resolves message types named by <c>google.protobuf.Any</c> type URLs.</summary>
internal interface IMessageTypeResolver
{
    /// <summary>Returns the descriptor of the message with the given full name (e.g. <c>todo.v1.Task</c>), or null.</summary>
    MessageDescriptor? FindMessageType(string fullName);
}
