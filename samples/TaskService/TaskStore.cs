using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService;

/// <summary>
/// Thread-safe in-memory tasks with unique titles. One lock guards both indexes so that the title check and the
/// write are a single atomic step; every operation is a few dictionary lookups, so contention stays low.
/// Tasks are cloned on the way in and out so callers can never mutate stored state.
/// </summary>
internal sealed class TaskStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, TodoTask> tasksById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> idsByTitle = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Assigns ids and names and stores all tasks, or none when any title is taken or repeated.</summary>
    public IReadOnlyList<TodoTask> AddAll(IReadOnlyList<TodoTask> drafts)
    {
        lock (gate)
        {
            var batchTitles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var draft in drafts)
            {
                if (idsByTitle.ContainsKey(TitleKey(draft.Title)) || !batchTitles.Add(TitleKey(draft.Title)))
                {
                    throw TaskErrors.DuplicateTitle(draft.Title);
                }
            }

            var added = new List<TodoTask>(drafts.Count);
            foreach (var draft in drafts)
            {
                var task = draft.Clone();
                var id = NewUniqueId();
                task.Name = TaskName.Format(id);
                tasksById.Add(id, task);
                idsByTitle.Add(TitleKey(task.Title), id);
                added.Add(task.Clone());
            }

            return added;
        }
    }

    public TodoTask Get(string id)
    {
        lock (gate)
        {
            return tasksById.TryGetValue(id, out var task) ? task.Clone() : throw TaskErrors.NotFound(id);
        }
    }

    /// <summary>All tasks matching <paramref name="predicate"/>, in no particular order.</summary>
    public List<TodoTask> FindAll(Func<TodoTask, bool> predicate)
    {
        lock (gate)
        {
            return tasksById.Values.Where(predicate).Select(task => task.Clone()).ToList();
        }
    }

    /// <summary>
    /// Replaces a task with the result of <paramref name="change"/>, which receives a copy of the current version
    /// and runs under the lock so that checks against the current state (status transitions) stay valid.
    /// </summary>
    public TodoTask Update(string id, Func<TodoTask, TodoTask> change)
    {
        lock (gate)
        {
            if (!tasksById.TryGetValue(id, out var current))
            {
                throw TaskErrors.NotFound(id);
            }

            var updated = change(current.Clone());
            var oldKey = TitleKey(current.Title);
            var newKey = TitleKey(updated.Title);
            if (idsByTitle.TryGetValue(newKey, out var holder) && holder != id)
            {
                throw TaskErrors.DuplicateTitle(updated.Title);
            }

            idsByTitle.Remove(oldKey);
            idsByTitle[newKey] = id;
            tasksById[id] = updated.Clone();
            return updated;
        }
    }

    public void Remove(string id)
    {
        lock (gate)
        {
            if (!tasksById.Remove(id, out var removed))
            {
                throw TaskErrors.NotFound(id);
            }

            idsByTitle.Remove(TitleKey(removed.Title));
        }
    }

    /// <summary>Titles are unique regardless of case and surrounding whitespace.</summary>
    private static string TitleKey(string title) => title.Trim();

    private string NewUniqueId()
    {
        var id = TaskName.NewId();
        while (tasksById.ContainsKey(id))
        {
            id = TaskName.NewId();
        }

        return id;
    }
}
