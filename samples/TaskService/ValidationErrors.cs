using Google.Rpc;

namespace Strait.Samples.TaskService;

/// <summary>
/// Collects every field violation of one request so that the client learns about all of them in a single
/// round trip instead of fixing one field per attempt.
/// </summary>
internal sealed class ValidationErrors
{
    private readonly List<BadRequest.Types.FieldViolation> violations = [];
    private readonly Dictionary<string, string> reasonsByField = new(StringComparer.Ordinal);

    /// <param name="field">Request-relative path, e.g. <c>task.tags[0]</c> or <c>requests[3].task.title</c>.</param>
    /// <param name="reason">One of <see cref="ViolationReason"/>.</param>
    /// <param name="description">Human-readable explanation that does not repeat the field name.</param>
    public void Add(string field, string reason, string description)
    {
        violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        reasonsByField.TryAdd(field, reason);
    }

    /// <summary>The INVALID_ARGUMENT failure for a request with exactly one problem.</summary>
    public static TaskServiceException Single(string field, string reason, string description)
    {
        var errors = new ValidationErrors();
        errors.Add(field, reason, description);
        return TaskErrors.InvalidArgument(errors.violations, errors.reasonsByField);
    }

    public void ThrowIfAny()
    {
        if (violations.Count > 0)
        {
            throw TaskErrors.InvalidArgument(violations, reasonsByField);
        }
    }
}
