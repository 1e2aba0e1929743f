using System.Buffers;
using System.Text.Json;
using Strait.Json;

namespace Strait.Edge.Rest;

/// <summary>
/// Cuts a streamed <c>application/json</c> body into messages as it arrives. A body whose first non-blank byte is
/// <c>[</c> is an array of messages, one per element; any other body is JSON values one after another, separated by
/// whitespace or by nothing (<c>{…}{…}</c>), as grpc-gateway reads a stream. Each message is taken as soon as its last
/// byte has arrived. The reader's state is kept between reads, also inside a message that is still arriving, so a
/// message's bytes are parsed once however finely the body is split.
/// </summary>
internal sealed class JsonMessageSplitter
{
    private Form form;

    // Array: between elements, the state after the last complete one (or the opening bracket).
    private JsonReaderState state;

    // Inside a message that is still arriving: the state after its last complete token, and how many bytes from the
    // message's first byte (where the buffer is left) that token ends.
    private JsonReaderState messageState;
    private long parsed;
    private bool inMessage;

    private enum Form
    {
        Unknown,
        Array,
        Values,
    }

    /// <summary>Whether the body is an array of messages (known once its first non-blank byte arrived).</summary>
    public bool IsArray => form == Form.Array;

    /// <summary>Whether the array's closing bracket was read.</summary>
    public bool Ended { get; private set; }

    /// <returns>
    /// True with a message; false when more data is needed (or the array ended); null with what is wrong with the JSON.
    /// Blanks between messages are taken off the buffer, so that only a message still arriving is left in it.
    /// </returns>
    public bool? TryTake(ref ReadOnlySequence<byte> buffer, bool completed, out ReadOnlySequence<byte> message, out string? error)
    {
        message = default;
        error = null;
        if (Ended)
        {
            return false;
        }

        try
        {
            if (!inMessage && !(SkipBlanks(ref buffer) && (form == Form.Array ? TryBeginElement(ref buffer, completed, out error) : TryBeginValue())))
            {
                return error is null ? false : null;
            }

            var reader = new Utf8JsonReader(buffer.Slice(parsed), completed, messageState);
            // An element is an object directly inside the array (depth 1); a value ends where its depth returns to 0.
            var depth = form == Form.Array ? 1 : 0;
            while (reader.Read())
            {
                if (reader.CurrentDepth == depth && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                {
                    var length = parsed + reader.BytesConsumed;
                    message = buffer.Slice(0, length);
                    buffer = buffer.Slice(length);
                    state = reader.CurrentState;
                    inMessage = false;
                    return true;
                }
            }

            parsed += reader.BytesConsumed;
            messageState = reader.CurrentState;
            return false;
        }
        catch (JsonException e)
        {
            error = JsonSyntaxError.Describe(e);
            return null;
        }
    }

    /// <summary>What is wrong with the rest of the body once the array ended (null: nothing).</summary>
    public string? TrailingError(ReadOnlySequence<byte> rest) => Ended && FirstNonBlank(rest, out _) is not null ? "something follows the array." : null;

    /// <summary>What is wrong with a body that ended here (null: nothing).</summary>
    public string? EndError() => IsArray && !Ended ? "it ends before the array does." : null;

    /// <summary>
    /// Takes the blanks before the next message off the buffer (false when nothing else has arrived); the first byte
    /// that is not blank decides the body's form.
    /// </summary>
    private bool SkipBlanks(ref ReadOnlySequence<byte> buffer)
    {
        if (FirstNonBlank(buffer, out var first) is not { } start)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }

        buffer = buffer.Slice(start);
        if (form == Form.Unknown)
        {
            form = first == (byte)'[' ? Form.Array : Form.Values;
        }

        return true;
    }

    /// <summary>A value starts at the buffer's first byte, read with a fresh reader: no separator is needed before it.</summary>
    private bool TryBeginValue()
    {
        parsed = 0;
        messageState = default;
        inMessage = true;
        return true;
    }

    /// <summary>Reads up to the next element's opening brace and leaves the buffer there; false when more data is needed, the array ended, or (with an error) the body is not an array of objects.</summary>
    private bool TryBeginElement(ref ReadOnlySequence<byte> buffer, bool completed, out string? error)
    {
        error = null;
        var reader = new Utf8JsonReader(buffer, completed, state);
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.StartArray && reader.CurrentDepth == 0)
        {
            // The opening bracket: the first element follows.
            buffer = buffer.Slice(reader.Position);
            state = reader.CurrentState;
            reader = new Utf8JsonReader(buffer, completed, state);
            if (!reader.Read())
            {
                return false;
            }
        }

        if (reader.TokenType == JsonTokenType.EndArray)
        {
            Ended = true;
            buffer = buffer.Slice(reader.Position);
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            error = $"an element is {reader.TokenType}, not an object";
            return false;
        }

        buffer = buffer.Slice(reader.TokenStartIndex);
        parsed = reader.BytesConsumed - reader.TokenStartIndex;
        messageState = reader.CurrentState;
        inMessage = true;
        return true;
    }

    private static SequencePosition? FirstNonBlank(ReadOnlySequence<byte> buffer, out byte value)
    {
        long offset = 0;
        value = 0;
        foreach (var segment in buffer)
        {
            var at = segment.Span.IndexOfAnyExcept(" \t\r\n"u8);
            if (at >= 0)
            {
                value = segment.Span[at];
                return buffer.GetPosition(offset + at);
            }

            offset += segment.Length;
        }

        return null;
    }
}
