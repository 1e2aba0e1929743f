using System.Text.RegularExpressions;
using Todo.V1;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService;

/// <summary>
/// <c>ListTasksRequest.filter</c>: <c>key=VALUE</c> terms joined by <c>AND</c> (any case). Keys are
/// <c>status</c>, <c>priority</c> and <c>created_by</c>; enum values may omit their prefix
/// (<c>COMPLETED</c> or <c>STATUS_COMPLETED</c>); values may be double-quoted.
/// </summary>
internal sealed partial class TaskFilter
{
    private const string Field = "filter";

    private readonly IReadOnlyList<Func<TodoTask, bool>> terms;

    private TaskFilter(IReadOnlyList<Func<TodoTask, bool>> terms) => this.terms = terms;

    public bool Matches(TodoTask task) => terms.All(term => term(task));

    /// <summary>Parses a filter; on failure adds one violation naming the first problem and returns null.</summary>
    public static TaskFilter? Parse(string filter, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return new TaskFilter([]);
        }

        var terms = new List<Func<TodoTask, bool>>();
        foreach (var text in AndSeparator().Split(filter.Trim()))
        {
            var problem = TryParseTerm(text, out var term);
            if (problem is not null)
            {
                errors.Add(Field, ViolationReason.InvalidFormat, problem);
                return null;
            }

            terms.Add(term!);
        }

        return new TaskFilter(terms);
    }

    /// <returns>A description of what is wrong with the term, or null when <paramref name="term"/> was parsed.</returns>
    private static string? TryParseTerm(string text, out Func<TodoTask, bool>? term)
    {
        term = null;
        var separator = text.IndexOf('=', StringComparison.Ordinal);
        if (separator < 0)
        {
            return $"term '{text}' is not of the form key=VALUE";
        }

        var key = text[..separator].Trim();
        var value = Unquote(text[(separator + 1)..].Trim());
        if (value.Length == 0)
        {
            return $"term '{text}' has no value";
        }

        switch (key.ToLowerInvariant())
        {
            case "status":
                if (!TaskEnumNames.TryParseSpecified(value, out Status status))
                {
                    return $"unknown status '{value}'; use one of {TaskEnumNames.ListStatuses()}";
                }

                term = task => task.Status == status;
                return null;
            case "priority":
                if (!TaskEnumNames.TryParseSpecified(value, out Priority priority))
                {
                    return $"unknown priority '{value}'; use one of {TaskEnumNames.ListPriorities()}";
                }

                term = task => task.Priority == priority;
                return null;
            case "created_by":
                term = task => string.Equals(task.CreatedBy, value, StringComparison.Ordinal);
                return null;
            default:
                return $"unknown key '{key}'; use status, priority or created_by";
        }
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    [GeneratedRegex(@"\s+AND\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AndSeparator();
}
