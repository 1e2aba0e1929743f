namespace Strait.Wire;

/// <summary>The canonical gRPC status codes, numbered as on the wire (<c>grpc-status</c>).</summary>
internal enum GrpcStatusCode
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>Names of <see cref="GrpcStatusCode"/> as written in gRPC documentation and JSON error bodies.</summary>
internal static class GrpcStatusCodeNames
{
    private static readonly string[] CanonicalNames =
    [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];

    /// <summary>The upper-snake name, e.g. <c>DEADLINE_EXCEEDED</c>; <c>UNKNOWN</c> for values outside the enum.</summary>
    public static string ToCanonicalName(this GrpcStatusCode code)
    {
        var index = (int)code;
        return (uint)index < (uint)CanonicalNames.Length ? CanonicalNames[index] : "UNKNOWN";
    }

    /// <summary>Parses a canonical name (<c>UNAVAILABLE</c>, any case), as configuration files write codes.</summary>
    public static bool TryParseCanonicalName(string text, out GrpcStatusCode code)
    {
        for (var i = 0; i < CanonicalNames.Length; i++)
        {
            if (string.Equals(CanonicalNames[i], text, StringComparison.OrdinalIgnoreCase))
            {
                code = (GrpcStatusCode)i;
                return true;
            }
        }

        code = default;
        return false;
    }

    /// <summary>
    /// Interprets a <c>grpc-status</c> value. Numbers the enum does not know become <see cref="GrpcStatusCode.Unknown"/>,
    /// as the spec requires; text that is not a non-negative integer is rejected.
    /// </summary>
    public static bool TryParseWireValue(ReadOnlySpan<char> value, out GrpcStatusCode code)
    {
        if (value.IsEmpty || value.Length > 10 || !uint.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            code = GrpcStatusCode.Unknown;
            return false;
        }

        code = number < (uint)CanonicalNames.Length ? (GrpcStatusCode)number : GrpcStatusCode.Unknown;
        return true;
    }
}
