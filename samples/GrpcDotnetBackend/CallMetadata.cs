using Grpc.Core;

namespace Strait.Samples.GrpcDotnetBackend;

/// <summary>The ASCII metadata of a call as the echo contract reports it: <c>-bin</c> keys left out, repeated keys joined by <c>", "</c>.</summary>
internal static class CallMetadata
{
    public static Dictionary<string, string> Text(Metadata headers)
    {
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in headers)
        {
            if (!entry.IsBinary)
            {
                text[entry.Key] = text.TryGetValue(entry.Key, out var earlier) ? earlier + ", " + entry.Value : entry.Value;
            }
        }

        return text;
    }
}
