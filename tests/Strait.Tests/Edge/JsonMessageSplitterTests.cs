using System.Buffers;
using System.Text;
using Strait.Edge.Rest;

namespace Strait.Tests.Edge;

/// <summary>
/// A streamed JSON body cut into messages as it arrives, however it is split: the pieces arrive as a pipe hands them
/// over (one segment per read, what was not consumed kept in front), from whole to one byte at a time.
/// </summary>
public sealed class JsonMessageSplitterTests
{
    [Theory]
    [InlineData("{\"a\":1}{\"b\":[1,{\"c\":\"}{\"}]}\n  {\n  \"d\": 2\n}\r\n\t\"text\" 5 true []", new[] { "{\"a\":1}", "{\"b\":[1,{\"c\":\"}{\"}]}", "{\n  \"d\": 2\n}", "\"text\"", "5", "true", "[]" })]
    [InlineData("  {\"only\":\"one\"}  \n", new[] { "{\"only\":\"one\"}" })]
    [InlineData(" \r\n ", new string[0])]
    [InlineData("\n[ {\"a\":1} ,{\"b\":\"]\"},\n{} ] \n", new[] { "{\"a\":1}", "{\"b\":\"]\"}", "{}" })]
    [InlineData("[]", new string[0])]
    public void Messages_are_the_same_wherever_the_body_is_split(string body, string[] expected)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        for (var chunk = 1; chunk <= bytes.Length; chunk++)
        {
            var (messages, error) = Split(bytes, chunk);
            Assert.Null(error);
            Assert.Equal(expected, messages);
        }
    }

    [Theory]
    [InlineData("{\"a\":1} }", 1, "'}' is an invalid start of a value")]
    [InlineData("{\"a\":1} xyz", 1, "'x' is an invalid start of a value")]
    [InlineData("{\"a\":1}{\"a\":", 1, "unexpected end of input")]
    [InlineData("{\"a\":1}\n{\"a\":}", 1, "'}' is an invalid start of a value")]
    [InlineData("[{\"a\":1}, 7]", 1, "an element is Number, not an object")]
    [InlineData("[{\"a\":1}] {}", 1, "something follows the array.")]
    [InlineData("[{\"a\":1},", 1, "unexpected end of input")]
    [InlineData("[{\"a\":1}", 1, "it ends before the array does.")]
    public void A_body_that_is_not_a_stream_of_json_messages_says_why_after_the_messages_before(string body, int before, string error)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        foreach (var chunk in new[] { 1, 2, 5, bytes.Length })
        {
            var (messages, problem) = Split(bytes, chunk);
            Assert.Equal(before, messages.Count);
            Assert.NotNull(problem);
            Assert.StartsWith(error, problem, StringComparison.Ordinal);
        }
    }

    /// <summary>Feeds <paramref name="body"/> <paramref name="chunk"/> bytes at a time, as the REST edge's read loop does.</summary>
    private static (List<string> Messages, string? Error) Split(byte[] body, int chunk)
    {
        var splitter = new JsonMessageSplitter();
        var messages = new List<string>();
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        for (var at = 0; at < body.Length; at += chunk)
        {
            var piece = body.AsMemory(at, Math.Min(chunk, body.Length - at));
            last = last is null ? first = new Segment(piece, 0) : last.Append(piece);
            var completed = at + chunk >= body.Length;
            var buffer = new ReadOnlySequence<byte>(first!, start, last, last.Memory.Length);
            while (splitter.TryTake(ref buffer, completed, out var message, out var error) is var taken && taken != false)
            {
                if (taken is null)
                {
                    return (messages, error);
                }

                messages.Add(Encoding.UTF8.GetString(message.ToArray()));
            }

            if (splitter.TrailingError(buffer) is { } trailing)
            {
                return (messages, trailing);
            }

            if (completed)
            {
                return (messages, splitter.EndError());
            }

            // What was taken off the buffer is consumed; the rest stays in front of the next piece.
            var position = buffer.Start;
            first = (Segment)position.GetObject()!;
            start = position.GetInteger();
        }

        return (messages, splitter.EndError());
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
