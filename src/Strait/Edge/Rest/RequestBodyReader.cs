using System.Buffers;
using Microsoft.AspNetCore.Http;
using Strait.Buffers;

namespace Strait.Edge.Rest;

/// <summary>
/// Reads a whole request body into a pooled buffer, stopping as soon as it exceeds the limit (so an oversized body is
/// never buffered whole, and a large one does not land on the large-object heap).
/// </summary>
internal static class RequestBodyReader
{
    /// <returns>The body, which the caller disposes, or null when it is larger than <paramref name="limit"/>.</returns>
    public static async Task<PooledBufferWriter?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }

            if (result.IsCompleted)
            {
                var body = new PooledBufferWriter((int)buffer.Length);
                foreach (var segment in buffer)
                {
                    body.Write(segment.Span);
                }

                reader.AdvanceTo(buffer.End);
                return body;
            }

            // Nothing consumed, everything examined: the next read returns the same data plus what arrived.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
