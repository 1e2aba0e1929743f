using Google.Protobuf.WellKnownTypes;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService;

/// <summary>Resolves <c>UpdateTaskRequest.update_mask</c> into the fields an update replaces.</summary>
internal static class TaskUpdateMask
{
    private const string Field = "update_mask";

    private static readonly Dictionary<string, TaskFields> WritablePaths = new(StringComparer.Ordinal)
    {
        ["title"] = TaskFields.Title,
        ["description"] = TaskFields.Description,
        ["status"] = TaskFields.Status,
        ["priority"] = TaskFields.Priority,
        ["due_date"] = TaskFields.DueDate,
        ["tags"] = TaskFields.Tags,
    };

    private static readonly HashSet<string> OutputOnlyPaths = new(StringComparer.Ordinal)
    {
        "name",
        "create_time",
        "update_time",
        "created_by",
    };

    /// <summary>
    /// An absent or empty mask means every writable field the body populates (AIP-134), so a PATCH carrying only a
    /// title does not reset the status to UNSPECIFIED; clearing a field therefore needs an explicit mask.
    /// </summary>
    public static TaskFields Resolve(FieldMask? mask, TodoTask body, ValidationErrors errors)
    {
        if (mask is null || mask.Paths.Count == 0)
        {
            return PopulatedFields(body);
        }

        var fields = TaskFields.None;
        foreach (var path in mask.Paths)
        {
            if (WritablePaths.TryGetValue(path, out var field))
            {
                fields |= field;
            }
            else if (OutputOnlyPaths.Contains(path))
            {
                errors.Add(Field, ViolationReason.OutputOnly, $"'{path}' is output only and cannot be updated");
            }
            else
            {
                errors.Add(Field, ViolationReason.UnknownField, $"'{path}' is not an updatable field; use {string.Join(", ", WritablePaths.Keys)}");
            }
        }

        return fields;
    }

    private static TaskFields PopulatedFields(TodoTask body)
    {
        var fields = TaskFields.None;
        fields |= body.Title.Length > 0 ? TaskFields.Title : TaskFields.None;
        fields |= body.Description.Length > 0 ? TaskFields.Description : TaskFields.None;
        fields |= body.Status != Todo.V1.Status.Unspecified ? TaskFields.Status : TaskFields.None;
        fields |= body.Priority != Todo.V1.Priority.Unspecified ? TaskFields.Priority : TaskFields.None;
        fields |= body.DueDate is not null ? TaskFields.DueDate : TaskFields.None;
        fields |= body.Tags.Count > 0 ? TaskFields.Tags : TaskFields.None;
        return fields;
    }
}
