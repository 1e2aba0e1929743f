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
/// array, so a large message is never held twice. Output is written only on success for the JSON→binary methods and
/// <see cref="WriteFieldFromText"/>; <see cref="BinaryToJson"/> writes as it goes, so a caller that may see
/// an exception should point the writer at a buffer it can discard.
/// </remarks>
public sealed class ProtoJsonCodec
{
    private readonly PlanCache _plans = new();
    private readonly IMessageTypeResolver _resolver;

    public ProtoJsonCodec(IMessageTypeResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
    }

    /// <summary>
    /// Builds the plans for <paramref name="type"/> and every type it reaches now, so the first request of a
    /// route does not pay for them. Types first seen later (inside an Any) still get plans on first use.
    /// </summary>
    public void Prepare(MessageDescriptor type)
    {
        ArgumentNullException.ThrowIfNull(type);
        _plans.Prepare(type);
    }

    /// <summary>Validates ProtoJSON for <paramref name="type"/> and appends its canonical protobuf encoding.</summary>
    /// <exception cref="ProtoJsonException">The input is empty, not JSON, or not a valid <paramref name="type"/>.</exception>
    public void JsonToBinary(ReadOnlySpan<byte> utf8Json, MessageDescriptor type, IBufferWriter<byte> output, JsonReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(output);
        JsonToProtobuf.Transcode(utf8Json, _plans.GetMessagePlan(type), _plans, _resolver, options ?? JsonReadOptions.Default, output);
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
        JsonToProtobuf.Transcode(utf8Json, message, plan, _plans, _resolver, options ?? JsonReadOptions.Default, output);
    }

    /// <summary>Writes a protobuf-encoded <paramref name="type"/> as ProtoJSON. Unknown fields are skipped.</summary>
    /// <exception cref="ProtobufFormatException">The input is malformed or holds a value with no JSON form.</exception>
    public void BinaryToJson(ReadOnlySpan<byte> protobuf, MessageDescriptor type, Utf8JsonWriter writer, JsonWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(writer);
        ProtobufToJson.Transcode(protobuf, _plans.GetMessagePlan(type), _plans, _resolver, options ?? JsonWriteOptions.Default, writer);
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
        ProtobufToJson.TranscodeField(protobuf, message, plan, _plans, _resolver, options ?? JsonWriteOptions.Default, writer);
    }

    /// <summary>
    /// Appends the value <paramref name="text"/> of the field at the end of <paramref name="path"/>, wrapped in
    /// the enclosing message fields, so that fragments for several bindings can be concatenated.
    /// </summary>
    /// <remarks>
    /// Text forms: integers in decimal (JSON exponent forms accepted when integral); float/double also
    /// <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>; bool <c>true</c>/<c>false</c>/<c>1</c>/<c>0</c>; strings raw;
    /// bytes base64 or base64url, padded or not; enums by name or number; Timestamp (RFC 3339), Duration
    /// (<c>1.5s</c>), FieldMask (comma-separated lowerCamel or snake_case paths) and wrappers (the inner
    /// value's text). A repeated leaf gets one element per call. Values equal to the default are still
    /// written so the last fragment for a singular field wins.
    /// </remarks>
    /// <exception cref="ProtoJsonException">The text is not valid for the field; <see cref="ProtoJsonException.JsonPath"/> is the dotted field path.</exception>
    public void WriteFieldFromText(IReadOnlyList<FieldDescriptor> path, string text, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        FieldTextBinder.Write(_plans, path, text, output);
    }

    /// <summary>Appends <paramref name="payload"/> (an encoded message) as length-delimited field <paramref name="fieldNumber"/>.</summary>
    public static void WriteLengthDelimitedField(int fieldNumber, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(fieldNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fieldNumber, 536_870_911);
        var tag = Varint.MakeTag(fieldNumber, WireType.LengthDelimited);
        var span = output.GetSpan(10 + payload.Length);
        var written = Varint.Write(span, tag);
        written += Varint.Write(span[written..], (ulong)payload.Length);
        payload.CopyTo(span[written..]);
        output.Advance(written + payload.Length);
    }

    private (MessagePlan Message, FieldPlan Field) PlanOf(FieldDescriptor field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.IsExtension)
        {
            throw new ArgumentException($"{field.FullName} is an extension; only a message's own fields have a JSON form here", nameof(field));
        }

        var message = _plans.GetMessagePlan(field.ContainingType);
        return (message, message.FindByNumber(field.FieldNumber)!);
    }
}
