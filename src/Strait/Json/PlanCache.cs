using System.Collections.Concurrent;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>Thread-safe cache of plans for one schema snapshot.</summary>
internal sealed class PlanCache
{
    private readonly ConcurrentDictionary<MessageDescriptor, MessagePlan> messages = new();
    private readonly ConcurrentDictionary<EnumDescriptor, EnumPlan> enums = new();
    private readonly Func<MessageDescriptor, MessagePlan> createMessagePlan;

    public PlanCache() => createMessagePlan = descriptor => new MessagePlan(this, descriptor);

    public MessagePlan GetMessagePlan(MessageDescriptor descriptor) => messages.GetOrAdd(descriptor, createMessagePlan);

    public EnumPlan GetEnumPlan(EnumDescriptor descriptor) => enums.GetOrAdd(descriptor, static d => new EnumPlan(d));

    /// <summary>Builds the plans of <paramref name="descriptor"/> and of every type reachable from its fields.</summary>
    public void Prepare(MessageDescriptor descriptor)
    {
        var pending = new Stack<MessagePlan>();
        var seen = new HashSet<MessageDescriptor>();
        if (seen.Add(descriptor))
        {
            pending.Push(GetMessagePlan(descriptor));
        }

        while (pending.TryPop(out var plan))
        {
            foreach (var field in plan.Fields)
            {
                if (field.Type is FieldType.Message or FieldType.Group && seen.Add(field.Descriptor.MessageType))
                {
                    pending.Push(field.Message);
                }
                else if (field.Type == FieldType.Enum)
                {
                    _ = field.Enum;
                }
            }
        }
    }
}
