namespace Strait.Samples.TaskService;

/// <summary>
/// Machine-readable reasons for field violations. <c>google.rpc.BadRequest.FieldViolation</c> has no reason of its
/// own in the published protos this project uses, so they travel in the <c>ErrorInfo</c> metadata, keyed by field path.
/// </summary>
internal static class ViolationReason
{
    public const string Required = "REQUIRED";
    public const string TooShort = "TOO_SHORT";
    public const string TooLong = "TOO_LONG";
    public const string TooMany = "TOO_MANY";
    public const string InvalidFormat = "INVALID_FORMAT";
    public const string Duplicate = "DUPLICATE";
    public const string NotInFuture = "NOT_IN_FUTURE";
    public const string InvalidValue = "INVALID_VALUE";
    public const string OutputOnly = "OUTPUT_ONLY";
    public const string UnknownField = "UNKNOWN_FIELD";
    public const string QueryMismatch = "QUERY_MISMATCH";
}
