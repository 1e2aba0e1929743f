using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Todo.V1;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService;

/// <summary>
/// Field rules for tasks. Violations use paths relative to the request (<c>task.title</c>,
/// <c>requests[3].task.tags[0]</c>) because that is what a REST client sent and can correct.
/// </summary>
internal sealed partial class TaskValidator(TimeProvider time)
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 1000;
    public const int MaxTags = 10;
    public const int MaxTagLength = 50;

    // Bounds of google.protobuf.Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const int MaxNanos = 999_999_999;

    /// <summary>Checks a task to be created; output-only fields are ignored as AIP-203 asks.</summary>
    public void ValidateNew(TodoTask? task, string path, ValidationErrors errors)
    {
        if (task is null)
        {
            errors.Add(path, ViolationReason.Required, "must be set");
            return;
        }

        ValidateTitle(task.Title, path, errors);
        ValidateDescription(task.Description, path, errors);
        if (task.Status is not (Status.Unspecified or Status.Pending))
        {
            errors.Add($"{path}.status", ViolationReason.InvalidValue, "must be PENDING or unset when creating a task");
        }

        ValidatePriority(task.Priority, path, errors);
        ValidateDueDate(task.DueDate, path, errors);
        ValidateTags(task.Tags, path, errors);
    }

    /// <summary>Checks the fields an update replaces; the status transition itself is checked against the stored task later.</summary>
    public void ValidateChanges(TodoTask task, TaskFields fields, string path, ValidationErrors errors)
    {
        if (fields.HasFlag(TaskFields.Title))
        {
            ValidateTitle(task.Title, path, errors);
        }

        if (fields.HasFlag(TaskFields.Description))
        {
            ValidateDescription(task.Description, path, errors);
        }

        if (fields.HasFlag(TaskFields.Status) && !TaskEnumNames.IsSpecified(task.Status))
        {
            errors.Add($"{path}.status", ViolationReason.InvalidValue, $"must be one of {TaskEnumNames.ListStatuses()}");
        }

        if (fields.HasFlag(TaskFields.Priority))
        {
            ValidatePriority(task.Priority, path, errors);
        }

        if (fields.HasFlag(TaskFields.DueDate))
        {
            ValidateDueDate(task.DueDate, path, errors);
        }

        if (fields.HasFlag(TaskFields.Tags))
        {
            ValidateTags(task.Tags, path, errors);
        }
    }

    private static void ValidateTitle(string title, string path, ValidationErrors errors)
    {
        if (title.Trim().Length == 0)
        {
            errors.Add($"{path}.title", ViolationReason.TooShort, "must not be empty");
        }
        else if (CharacterCount(title) > MaxTitleLength)
        {
            errors.Add($"{path}.title", ViolationReason.TooLong, $"must be at most {MaxTitleLength} characters");
        }
    }

    private static void ValidateDescription(string description, string path, ValidationErrors errors)
    {
        if (CharacterCount(description) > MaxDescriptionLength)
        {
            errors.Add($"{path}.description", ViolationReason.TooLong, $"must be at most {MaxDescriptionLength} characters");
        }
    }

    /// <summary>UNSPECIFIED is allowed: it stands for the default priority, MEDIUM.</summary>
    private static void ValidatePriority(Priority priority, string path, ValidationErrors errors)
    {
        if (priority != Priority.Unspecified && !TaskEnumNames.IsSpecified(priority))
        {
            errors.Add($"{path}.priority", ViolationReason.InvalidValue, $"must be one of {TaskEnumNames.ListPriorities()}");
        }
    }

    private void ValidateDueDate(Timestamp? dueDate, string path, ValidationErrors errors)
    {
        if (dueDate is null)
        {
            return;
        }

        if (dueDate.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || dueDate.Nanos is < 0 or > MaxNanos)
        {
            errors.Add($"{path}.due_date", ViolationReason.InvalidValue, "must be a valid timestamp");
        }
        else if (dueDate.ToDateTimeOffset() <= time.GetUtcNow())
        {
            errors.Add($"{path}.due_date", ViolationReason.NotInFuture, "must be in the future");
        }
    }

    private static void ValidateTags(IReadOnlyList<string> tags, string path, ValidationErrors errors)
    {
        if (tags.Count > MaxTags)
        {
            errors.Add($"{path}.tags", ViolationReason.TooMany, $"must contain at most {MaxTags} tags");
        }

        var firstIndexByTag = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < tags.Count; index++)
        {
            var tag = tags[index];
            var field = $"{path}.tags[{index}]";
            if (CharacterCount(tag) > MaxTagLength)
            {
                errors.Add(field, ViolationReason.TooLong, $"must be at most {MaxTagLength} characters");
            }
            else if (!TagPattern().IsMatch(tag))
            {
                errors.Add(field, ViolationReason.InvalidFormat, "must contain only lowercase letters, digits and hyphens (^[a-z0-9-]+$)");
            }
            else if (!firstIndexByTag.TryAdd(tag, index))
            {
                errors.Add(field, ViolationReason.Duplicate, $"duplicates {path}.tags[{firstIndexByTag[tag]}]");
            }
        }
    }

    /// <summary>Counts Unicode code points, so an emoji is one character as a user would expect.</summary>
    private static int CharacterCount(string text) => text.EnumerateRunes().Count();

    // \z rather than $: in .NET, $ also matches before a trailing newline.
    [GeneratedRegex(@"\A[a-z0-9-]+\z")]
    private static partial Regex TagPattern();
}
