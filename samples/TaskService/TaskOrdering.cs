using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService;

/// <summary>
/// <c>ListTasksRequest.order_by</c>: one of <c>create_time</c> (the default), <c>title</c>, <c>priority</c> or
/// <c>due_date</c>, optionally followed by <c>desc</c>. Ties are broken by name so that pages never overlap.
/// </summary>
internal sealed class TaskOrdering : IComparer<TodoTask>
{
    private const string Field = "order_by";
    private const string Descending = "desc";

    private static readonly Dictionary<string, Comparison<TodoTask>> AscendingKeys = new(StringComparer.Ordinal)
    {
        ["create_time"] = (x, y) => x.CreateTime.CompareTo(y.CreateTime),
        ["title"] = (x, y) => StringComparer.OrdinalIgnoreCase.Compare(x.Title, y.Title),
        ["priority"] = (x, y) => x.Priority.CompareTo(y.Priority),
        ["due_date"] = (x, y) => x.DueDate.CompareTo(y.DueDate),
    };

    private readonly Comparison<TodoTask> ascending;
    private readonly bool descending;
    private readonly bool keyIsDueDate;

    private TaskOrdering(string key, bool descending)
    {
        ascending = AscendingKeys[key];
        this.descending = descending;
        keyIsDueDate = key == "due_date";
    }

    /// <summary>Parses an ordering; on failure adds a violation and returns null.</summary>
    public static TaskOrdering? Parse(string orderBy, ValidationErrors errors)
    {
        var words = orderBy.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            return new TaskOrdering("create_time", descending: false);
        }

        var validDirection = words.Length == 1 || (words.Length == 2 && string.Equals(words[1], Descending, StringComparison.OrdinalIgnoreCase));
        if (!validDirection || !AscendingKeys.ContainsKey(words[0]))
        {
            errors.Add(Field, ViolationReason.InvalidValue, $"must be one of {string.Join(", ", AscendingKeys.Keys)}, optionally followed by ' desc'");
            return null;
        }

        return new TaskOrdering(words[0], descending: words.Length == 2);
    }

    public int Compare(TodoTask? x, TodoTask? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var byKey = CompareKeys(x, y);
        return byKey != 0 ? byKey : string.CompareOrdinal(x.Name, y.Name);
    }

    private int CompareKeys(TodoTask x, TodoTask y)
    {
        // Tasks without a due date sort last in both directions: "no deadline" is never the most urgent nor the latest.
        if (keyIsDueDate && (x.DueDate is null || y.DueDate is null))
        {
            return (x.DueDate is null).CompareTo(y.DueDate is null);
        }

        var ascending = this.ascending(x, y);
        return descending ? -ascending : ascending;
    }
}
