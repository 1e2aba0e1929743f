namespace Strait.Configuration.Validators;

/// <summary>The <c>limits</c> section: how much a request, and all calls together, may hold.</summary>
internal static class LimitsValidator
{
    public static void Validate(StraitOptions options, List<string> errors)
    {
        var limits = options.Limits;
        if (limits.MaxRequestBodySize <= 0)
        {
            errors.Add("limits.maxRequestBodySize: must be positive");
        }

        // One message of the largest size accepted must fit, or it could never be received in pieces.
        var largestMessage = options.Clusters.Values.Append(options.Backend).Max(cluster => (long)cluster.MaxResponseMessageSize);
        largestMessage = Math.Max(largestMessage, options.Streaming.MaxMessageSize);
        if (limits.MaxPendingMessageBytes < largestMessage)
        {
            errors.Add(
                $"limits.maxPendingMessageBytes: must be at least the largest message accepted ({largestMessage} bytes: streaming.maxMessageSize or a cluster's maxResponseMessageSize); it is {limits.MaxPendingMessageBytes}");
        }
    }
}
