using System.Text.Json;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>Everything the transcoders need about one field, computed once per schema.</summary>
internal sealed class FieldPlan
{
    private readonly PlanCache cache;
    private readonly MessageDescriptor? messageType;
    private readonly EnumDescriptor? enumType;
    private MessagePlan? message;
    private EnumPlan? enumPlan;

    public FieldPlan(PlanCache cache, FieldDescriptor descriptor, int index, int oneofIndex)
    {
        this.cache = cache;
        Descriptor = descriptor;
        Index = index;
        OneofIndex = oneofIndex;
        Number = descriptor.FieldNumber;
        Type = IsGroup(descriptor) ? FieldType.Group : descriptor.FieldType;
        IsMap = descriptor.IsMap;
        IsRepeated = descriptor.IsRepeated && !IsMap;
        HasPresence = descriptor.HasPresence;
        IsPackable = IsRepeated && Type is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group);
        IsPacked = IsPackable && descriptor.IsPacked;
        WireType = WireTypeOf(Type);
        Tag = Varint.MakeTag(Number, WireType);
        PackedTag = Varint.MakeTag(Number, Json.WireType.LengthDelimited);
        JsonNameText = descriptor.JsonName;
        ProtoNameText = descriptor.Name;
        JsonName = JsonEncodedText.Encode(JsonNameText);
        JsonNameUtf8 = System.Text.Encoding.UTF8.GetBytes(JsonNameText);
        ProtoName = JsonEncodedText.Encode(ProtoNameText);
        if (Type is FieldType.Message or FieldType.Group)
        {
            messageType = descriptor.MessageType;
            IsValueMessage = messageType.FullName == "google.protobuf.Value";
        }
        else if (Type == FieldType.Enum)
        {
            enumType = descriptor.EnumType;
            IsNullValueEnum = enumType.FullName == WellKnownTypes.NullValueFullName;
        }
    }

    public FieldDescriptor Descriptor { get; }

    /// <summary>Position in <see cref="MessagePlan.Fields"/> (which is ordered by field number).</summary>
    public int Index { get; }

    /// <summary>Index of the real (non-synthetic) oneof this field belongs to, or -1.</summary>
    public int OneofIndex { get; }

    public int Number { get; }

    public FieldType Type { get; }

    public bool IsMap { get; }

    /// <summary>Repeated and not a map.</summary>
    public bool IsRepeated { get; }

    public bool HasPresence { get; }

    /// <summary>Repeated scalar that a parser must accept in packed form.</summary>
    public bool IsPackable { get; }

    /// <summary>Repeated scalar that is written packed.</summary>
    public bool IsPacked { get; }

    public WireType WireType { get; }

    public uint Tag { get; }

    public uint PackedTag { get; }

    public string JsonNameText { get; }

    /// <summary><see cref="JsonNameText"/> as UTF-8, unescaped: what a JSON property name token holds.</summary>
    public byte[] JsonNameUtf8 { get; }

    public string ProtoNameText { get; }

    public JsonEncodedText JsonName { get; }

    public JsonEncodedText ProtoName { get; }

    /// <summary>A <c>google.protobuf.Value</c> field, for which JSON null is a value rather than "unset".</summary>
    public bool IsValueMessage { get; }

    /// <summary>A <c>google.protobuf.NullValue</c> field, for which JSON null is a value rather than "unset".</summary>
    public bool IsNullValueEnum { get; }

    /// <summary>Whether JSON null is an actual value of this field's element type.</summary>
    public bool ElementAcceptsNull => IsValueMessage || IsNullValueEnum;

    // Resolved lazily because message types may be recursive; racing threads compute the same cached plan.
    public MessagePlan Message => message ??= cache.GetMessagePlan(messageType!);

    public EnumPlan Enum => enumPlan ??= cache.GetEnumPlan(enumType!);

    /// <summary>For map fields: the value field of the entry.</summary>
    public FieldPlan MapValue => Message.Fields[1];

    /// <summary>For map fields: the key field of the entry.</summary>
    public FieldPlan MapKey => Message.Fields[0];

    // Google.Protobuf reports proto2 groups as FieldType.Message; only the descriptor proto tells them apart.
    private static bool IsGroup(FieldDescriptor descriptor) =>
        descriptor.FieldType == FieldType.Message && descriptor.ToProto().Type == FieldDescriptorProto.Types.Type.Group;

    public static WireType WireTypeOf(FieldType type) => type switch
    {
        FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => Json.WireType.Fixed64,
        FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => Json.WireType.Fixed32,
        FieldType.String or FieldType.Bytes or FieldType.Message => Json.WireType.LengthDelimited,
        FieldType.Group => Json.WireType.StartGroup,
        _ => Json.WireType.Varint,
    };
}
