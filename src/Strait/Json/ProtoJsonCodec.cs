using System.Buffers;
using System.Text.Json;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>
/// Descriptor-driven ProtoJSON ⇄ protobuf-binary transcoder. Create one per schema snapshot; it is
/// thread-safe and caches a plan per message type on first use.
/// </summary>
/// <remarks>
/// Per-call state lives in stack-only transcoders with pooled buffers, so concurrent calls share nothing
/// mutable. JSON→binary into an unbounded pooled writer (the gateway's own) builds the message in that writer's
/// array, so a large message is never held twice. Output is written only on success for the JSON→binary methods; the binary→JSON methods write as they go, so a caller that may see
/// an exception should point the writer at a buffer it can discard.
/// </remarks>
internal sealed class ProtoJsonCodec
{
    private readonly PlanCache plans = new();
    private readonly IMessageTypeResolver resolver;

    public ProtoJsonCodec(IMessageTypeResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        this.resolver = resolver;
    }

    /// <summary>
    /// Builds the plans for <paramref name="type"/> and every type it reaches now, so the first request of a
    /// route does not pay for them. Types first seen later (inside an Any) still get plans on first use.
    /// </summary>
    public void Prepare(MessageDescriptor type)
    {
        ArgumentNullException.ThrowIfNull(type);
        plans.Prepare(type);
    }

    /// <summary>Validates ProtoJSON for <paramref name="type"/> and appends its canonical protobuf encoding.</summary>
    /// <exception cref="ProtoJsonException">The input is empty, not JSON, or not a valid <paramref name="type"/>.</exception>
    public void JsonToBinary(ReadOnlySpan<byte> utf8Json, MessageDescriptor type, IBufferWriter<byte> output, JsonReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(output);
        JsonToProtobuf.Transcode(utf8Json, plans.GetMessagePlan(type), plans, resolver, options ?? JsonReadOptions.Default, output);
    }

    /// <summary>
    /// Validates <paramref name="utf8Json"/> as the ProtoJSON value of <paramref name="field"/> and appends that
    /// field's encoding, as if the JSON were <c>{"field": value}</c> — how an HTTP rule's <c>body: "field"</c> maps a
    /// request body. Error paths start at the field (<c>$.field…</c>).
    /// </summary>
    /// <exception cref="ProtoJsonException">The input is empty, not one JSON value, or not valid for the field.</exception>
    public void JsonToBinary(ReadOnlySpan<byte> utf8Json, FieldDescriptor field, IBufferWriter<byte> output, JsonReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var (message, plan) = PlanOf(field);
        JsonToProtobuf.Transcode(utf8Json, message, plan, bindings: null, plans, resolver, options ?? JsonReadOptions.Default, output);
    }

    /// <summary>Writes a protobuf-encoded <paramref name="type"/> as ProtoJSON. Unknown fields are skipped.</summary>
    /// <exception cref="ProtobufFormatException">The input is malformed or holds a value with no JSON form.</exception>
    public void BinaryToJson(ReadOnlySpan<byte> protobuf, MessageDescriptor type, Utf8JsonWriter writer, JsonWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(writer);
        ProtobufToJson.Transcode(protobuf, plans.GetMessagePlan(type), plans, resolver, options ?? JsonWriteOptions.Default, writer);
    }

    /// <summary>
    /// Writes only the value of <paramref name="field"/> from a protobuf-encoded message of its containing type, as
    /// an HTTP rule's <c>response_body: "field"</c> asks. An absent field with presence is <c>null</c>; one without
    /// presence is its default (<c>0</c>, <c>""</c>, <c>[]</c>, <c>{}</c>).
    /// </summary>
    /// <exception cref="ProtobufFormatException">The input is malformed or holds a value with no JSON form.</exception>
    public void BinaryToJson(ReadOnlySpan<byte> protobuf, FieldDescriptor field, Utf8JsonWriter writer, JsonWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var (message, plan) = PlanOf(field);
        ProtobufToJson.TranscodeField(protobuf, message, plan, plans, resolver, options ?? JsonWriteOptions.Default, writer);
    }

    /// <summary>An empty set of path and query values for a request message of <paramref name="type"/>.</summary>
    /// <remarks>
    /// Text forms: integers in decimal (JSON exponent forms accepted when integral); float/double also
    /// <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>; bool <c>true</c>/<c>false</c>/<c>1</c>/<c>0</c>; strings raw;
    /// bytes base64 or base64url, padded or not; enums by name or number; Timestamp (RFC 3339), Duration
    /// (<c>1.5s</c>), FieldMask (comma-separated lowerCamel or snake_case paths) and wrappers (the inner
    /// value's text). A repeated leaf gets one element per value.
    /// </remarks>
    internal MessageBindings CreateBindings(MessageDescriptor type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return new MessageBindings(plans.GetMessagePlan(type));
    }

    /// <summary>As <see cref="JsonToBinary(ReadOnlySpan{byte}, MessageDescriptor, IBufferWriter{byte}, JsonReadOptions?)"/>, with <paramref name="bindings"/> merged into the message.</summary>
    internal void JsonToBinary(ReadOnlySpan<byte> utf8Json, MessageDescriptor type, MessageBindings? bindings, IBufferWriter<byte> output, JsonReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(output);
        JsonToProtobuf.Transcode(utf8Json, plans.GetMessagePlan(type), field: null, BoundRoot(bindings), plans, resolver, options ?? JsonReadOptions.Default, output);
    }

    /// <summary>
    /// As <see cref="JsonToBinary(ReadOnlySpan{byte}, FieldDescriptor, IBufferWriter{byte}, JsonReadOptions?)"/>, with
    /// <paramref name="bindings"/> (for the field's containing message) merged in: the output is then the whole message.
    /// </summary>
    internal void JsonToBinary(ReadOnlySpan<byte> utf8Json, FieldDescriptor field, MessageBindings? bindings, IBufferWriter<byte> output, JsonReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var (message, plan) = PlanOf(field);
        JsonToProtobuf.Transcode(utf8Json, message, plan, BoundRoot(bindings), plans, resolver, options ?? JsonReadOptions.Default, output);
    }

    /// <summary>Appends the message that <paramref name="bindings"/> alone make: a request without a body.</summary>
    internal static void WriteBindings(MessageBindings bindings, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ProtoBuffer(64);
        try
        {
            BoundFieldWriter.WritePayload(ref buffer, bindings.Root);
            buffer.CopyTo(output);
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private static BoundMessage? BoundRoot(MessageBindings? bindings) => bindings is null || bindings.IsEmpty ? null : bindings.Root;

    private (MessagePlan Message, FieldPlan Field) PlanOf(FieldDescriptor field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.IsExtension)
        {
            throw new ArgumentException($"{field.FullName} is an extension; only a message's own fields have a JSON form here", nameof(field));
        }

        var message = plans.GetMessagePlan(field.ContainingType);
        return (message, message.FindByNumber(field.FieldNumber)!);
    }
}
