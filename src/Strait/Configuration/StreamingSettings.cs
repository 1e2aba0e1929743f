using Strait.Resilience;

namespace Strait.Configuration;

/// <summary>How NDJSON stream lines are written (<c>streaming.envelope</c>).</summary>
internal enum StreamEnvelope
{
    /// <summary>Each line is the message itself.</summary>
    None,

    /// <summary>grpc-gateway's form: <c>{"result": message}</c> per line.</summary>
    Result,
}

/// <summary>The <c>streaming</c> values that are parsed; the others are read from the options as they are.</summary>
/// <param name="ClientKey">Who a client is for <c>streaming.maxStreamsPerClient</c>.</param>
internal sealed record StreamingSettings(StreamEnvelope Envelope, ClientPartition ClientKey);
