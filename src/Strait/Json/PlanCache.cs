using System.Collections.Concurrent;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>Thread-safe cache of plans for one schema snapshot.</summary>
internal sealed class PlanCache
{
    private readonly ConcurrentDictionary<MessageDescriptor, MessagePlan> _messages = new();
    private readonly ConcurrentDictionary<EnumDescriptor, EnumPlan> _enums = new();
    private readonly Func<MessageDescriptor, MessagePlan> _createMessagePlan;

    public PlanCache() => _createMessagePlan = descriptor => new MessagePlan(this, descriptor);

    public MessagePlan GetMessagePlan(MessageDescriptor descriptor) => _messages.GetOrAdd(descriptor, _createMessagePlan);

    public EnumPlan GetEnumPlan(EnumDescriptor descriptor) => _enums.GetOrAdd(descriptor, static d => new EnumPlan(d));
}
