using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Strait.Edge.Rest;

/// <summary>Reads a whole request body, stopping as soon as it exceeds the limit (so an oversized body is never buffered whole).</summary>
internal static class RequestBodyReader
{
    /// <returns>The body, or null when it is larger than <paramref name="limit"/>.</returns>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
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
                var body = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return body;
            }

            // Nothing consumed, everything examined: the next read returns the same data plus what arrived.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
