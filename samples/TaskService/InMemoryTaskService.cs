using Google.Protobuf.WellKnownTypes;
using Todo.V1;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService;

/// <summary>
/// The logic of <c>todo.v1.TaskService</c> over an in-memory store, independent of any transport. Every method
/// first applies the configured and per-call faults (see <see cref="FaultInjection"/> and <see cref="FaultHeaders"/>),
/// then either returns the response or throws a <see cref="TaskServiceException"/> carrying the
/// <c>google.rpc.Status</c> to send back. Cancellation surfaces as <see cref="OperationCanceledException"/>.
/// All members are safe to call concurrently.
/// </summary>
internal sealed class InMemoryTaskService
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 1000;
    public const int MaxBatchSize = 100;

    /// <summary>The priority of tasks created without one: the middle of the scale, so neither urgent nor ignorable.</summary>
    public const Priority DefaultPriority = Priority.Medium;

    private readonly TaskStore store = new();
    private readonly TaskValidator validator;
    private readonly FaultInjector faults;
    private readonly TimeProvider time;

    /// <param name="faults">Service-wide faults; none when null.</param>
    /// <param name="time">Clock for timestamps, due-date checks and injected delays; the system clock when null.</param>
    public InMemoryTaskService(FaultInjection? faults = null, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        this.faults = new FaultInjector(faults ?? FaultInjection.None, this.time);
        validator = new TaskValidator(this.time);
    }

    /// <summary>Counts (and optionally logs) the calls the gRPC adapter hands to this service.</summary>
    public CallJournal Journal { get; } = new();

    /// <summary>Makes every call fail with <paramref name="code"/> from now on; null returns to normal.</summary>
    public void FailEveryCall(Google.Rpc.Code? code) => faults.FailEveryCall(code);

    /// <summary>
    /// Creates a task owned by <paramref name="caller"/>. Output-only fields in the request are ignored, the status
    /// becomes PENDING and an unspecified priority becomes <see cref="DefaultPriority"/>.
    /// </summary>
    public async Task<TodoTask> CreateTaskAsync(CreateTaskRequest request, CallerInfo caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await BeginCallAsync(caller, cancellationToken).ConfigureAwait(false);

        var errors = new ValidationErrors();
        validator.ValidateNew(request.Task, "task", errors);
        errors.ThrowIfAny();

        return store.AddAll([NewTask(request.Task, caller)])[0];
    }

    public async Task<TodoTask> GetTaskAsync(GetTaskRequest request, CallerInfo caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await BeginCallAsync(caller, cancellationToken).ConfigureAwait(false);

        var id = ParseName(request.Name, "name");
        return store.Get(id);
    }

    /// <summary>Lists one page of the tasks matching <c>filter</c>, sorted by <c>order_by</c>.</summary>
    public async Task<ListTasksResponse> ListTasksAsync(ListTasksRequest request, CallerInfo caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await BeginCallAsync(caller, cancellationToken).ConfigureAwait(false);

        var errors = new ValidationErrors();
        if (request.PageSize < 0)
        {
            errors.Add("page_size", ViolationReason.InvalidValue, "must not be negative");
        }

        var filter = TaskFilter.Parse(request.Filter, errors);
        var ordering = TaskOrdering.Parse(request.OrderBy, errors);
        var offset = PageToken.Decode(request.PageToken, request.Filter, request.OrderBy, errors);
        errors.ThrowIfAny();

        var pageSize = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var matching = store.FindAll(filter!.Matches);
        matching.Sort(ordering);

        var response = new ListTasksResponse { TotalSize = matching.Count };
        response.Tasks.AddRange(matching.Skip(offset!.Value).Take(pageSize));
        // long: the offset comes from a client-supplied token and may be close to int.MaxValue.
        var nextOffset = (long)offset.Value + pageSize;
        if (nextOffset < matching.Count)
        {
            response.NextPageToken = PageToken.Encode((int)nextOffset, request.Filter, request.OrderBy);
        }

        return response;
    }

    /// <summary>
    /// Replaces the fields named by <c>update_mask</c> (see <see cref="TaskUpdateMask.Resolve"/> for an absent mask)
    /// and refreshes <c>update_time</c>. Status changes must follow <see cref="StatusTransitions"/>.
    /// </summary>
    public async Task<TodoTask> UpdateTaskAsync(UpdateTaskRequest request, CallerInfo caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await BeginCallAsync(caller, cancellationToken).ConfigureAwait(false);

        var body = request.Task ?? throw ValidationErrors.Single("task", ViolationReason.Required, "must be set");
        var errors = new ValidationErrors();
        if (!TaskName.TryParseId(body.Name, out var id))
        {
            errors.Add("task.name", ViolationReason.InvalidFormat, TaskName.FormatRule);
        }

        var fields = TaskUpdateMask.Resolve(request.UpdateMask, body, errors);
        validator.ValidateChanges(body, fields, "task", errors);
        errors.ThrowIfAny();

        var now = Now();
        return store.Update(id!, current => ApplyChanges(current, body, fields, now));
    }

    public async Task<DeleteTaskResponse> DeleteTaskAsync(DeleteTaskRequest request, CallerInfo caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await BeginCallAsync(caller, cancellationToken).ConfigureAwait(false);

        store.Remove(ParseName(request.Name, "name"));
        return new DeleteTaskResponse();
    }

    /// <summary>
    /// Creates 1 to <see cref="MaxBatchSize"/> tasks atomically: every request is validated first, and nothing is
    /// created when any of them is invalid or when a title is taken or repeated within the batch.
    /// </summary>
    public async Task<BatchCreateTasksResponse> BatchCreateTasksAsync(BatchCreateTasksRequest request, CallerInfo caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await BeginCallAsync(caller, cancellationToken).ConfigureAwait(false);

        var errors = new ValidationErrors();
        if (request.Requests.Count == 0)
        {
            errors.Add("requests", ViolationReason.Required, "must not be empty");
        }
        else if (request.Requests.Count > MaxBatchSize)
        {
            errors.Add("requests", ViolationReason.TooMany, $"must contain at most {MaxBatchSize} requests");
        }

        for (var index = 0; index < request.Requests.Count; index++)
        {
            validator.ValidateNew(request.Requests[index].Task, $"requests[{index}].task", errors);
        }

        errors.ThrowIfAny();

        var drafts = request.Requests.Select(create => NewTask(create.Task, caller)).ToList();
        return new BatchCreateTasksResponse { Tasks = { store.AddAll(drafts) } };
    }

    private async System.Threading.Tasks.Task BeginCallAsync(CallerInfo caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await faults.ApplyAsync(caller, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static string ParseName(string name, string field) =>
        TaskName.TryParseId(name, out var id)
            ? id
            : throw ValidationErrors.Single(field, ViolationReason.InvalidFormat, TaskName.FormatRule);

    private TodoTask NewTask(TodoTask draft, CallerInfo caller)
    {
        var now = Now();
        return new TodoTask
        {
            Title = draft.Title,
            Description = draft.Description,
            Status = Status.Pending,
            Priority = draft.Priority == Priority.Unspecified ? DefaultPriority : draft.Priority,
            DueDate = draft.DueDate?.Clone(),
            CreateTime = now,
            UpdateTime = now.Clone(),
            CreatedBy = caller.User,
            Tags = { draft.Tags },
        };
    }

    private static TodoTask ApplyChanges(TodoTask current, TodoTask body, TaskFields fields, Timestamp now)
    {
        if (fields.HasFlag(TaskFields.Status) && !StatusTransitions.IsAllowed(current.Status, body.Status))
        {
            throw TaskErrors.InvalidTransition(current.Name, current.Status, body.Status);
        }

        if (fields.HasFlag(TaskFields.Title))
        {
            current.Title = body.Title;
        }

        if (fields.HasFlag(TaskFields.Description))
        {
            current.Description = body.Description;
        }

        if (fields.HasFlag(TaskFields.Status))
        {
            current.Status = body.Status;
        }

        if (fields.HasFlag(TaskFields.Priority))
        {
            current.Priority = body.Priority == Priority.Unspecified ? DefaultPriority : body.Priority;
        }

        if (fields.HasFlag(TaskFields.DueDate))
        {
            current.DueDate = body.DueDate?.Clone();
        }

        if (fields.HasFlag(TaskFields.Tags))
        {
            current.Tags.Clear();
            current.Tags.AddRange(body.Tags);
        }

        current.UpdateTime = now;
        return current;
    }

    private Timestamp Now() => Timestamp.FromDateTimeOffset(time.GetUtcNow());
}
