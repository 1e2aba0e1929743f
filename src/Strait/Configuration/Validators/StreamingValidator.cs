using Strait.Resilience;

namespace Strait.Configuration.Validators;

/// <summary>The <c>streaming</c> section: how streams are written, and the caps on their number, size and time.</summary>
internal static class StreamingValidator
{
    private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(100);

    /// <returns>Null when the envelope or the client key is not one Strait knows.</returns>
    public static StreamingSettings? Validate(StreamingOptions options, List<string> errors)
    {
        StreamEnvelope? envelope = options.Envelope switch
        {
            "none" => StreamEnvelope.None,
            "result" => StreamEnvelope.Result,
            _ => null,
        };
        if (envelope is null)
        {
            errors.Add($"streaming.envelope: is '{options.Envelope}'; use 'none' or 'result'");
        }

        if (options.SseKeepAlive < Shortest || options.SseKeepAlive > TimeSpan.FromHours(1))
        {
            errors.Add($"streaming.sseKeepAlive: must be between 00:00:00.100 and 01:00:00 (it is {options.SseKeepAlive})");
        }

        if (options.MaxMessageSize is < 1 or > 64 * 1024 * 1024)
        {
            errors.Add($"streaming.maxMessageSize: must be between 1 and 67108864 bytes (it is {options.MaxMessageSize})");
        }

        if (options.MaxStreams < 1)
        {
            errors.Add("streaming.maxStreams: must be at least 1");
        }

        if (options.MaxStreamsPerClient is < 1)
        {
            errors.Add("streaming.maxStreamsPerClient: must be at least 1");
        }

        foreach (var (name, value) in new[] { ("maxLifetime", options.MaxLifetime), ("idleTimeout", options.IdleTimeout), ("requestBodyIdleTimeout", (TimeSpan?)options.RequestBodyIdleTimeout), ("webSocketKeepAlive", (TimeSpan?)options.WebSocketKeepAlive) })
        {
            if (value is { } duration && (duration < Shortest || duration > TimeSpan.FromDays(7)))
            {
                errors.Add($"streaming.{name}: must be between 00:00:00.100 and 7.00:00:00 (it is {duration})");
            }
        }

        var clientKey = ClientPartition.TryParse(options.ClientKey);
        if (clientKey is null)
        {
            errors.Add($"streaming.clientKey: is '{options.ClientKey}'; use ip, header:NAME or jwt:CLAIM");
        }

        return envelope is null || clientKey is null ? null : new StreamingSettings(envelope.Value, clientKey);
    }
}
