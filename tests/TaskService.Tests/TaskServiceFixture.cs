using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Todo.V1;
using Status = Todo.V1.Status;
using Task = System.Threading.Tasks.Task;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService.Tests;

/// <summary>A service on a manual clock plus shortcuts for the requests most tests repeat.</summary>
internal sealed class TaskServiceFixture
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public TaskServiceFixture(FaultInjection? faults = null)
    {
        Service = new InMemoryTaskService(faults, Clock);
    }

    public ManualClock Clock { get; } = new(Start);

    public InMemoryTaskService Service { get; }

    public static CallerInfo Alice { get; } = new("alice");

    public Timestamp InDays(double days) => Timestamp.FromDateTimeOffset(Clock.GetUtcNow().AddDays(days));

    public Task<TodoTask> CreateAsync(string title, Action<TodoTask>? configure = null, CallerInfo? caller = null)
    {
        var task = new TodoTask { Title = title };
        configure?.Invoke(task);
        return Service.CreateTaskAsync(new CreateTaskRequest { Task = task }, caller ?? Alice);
    }

    public Task<TodoTask> UpdateAsync(TodoTask body, params string[] maskPaths)
    {
        var request = new UpdateTaskRequest { Task = body };
        if (maskPaths.Length > 0)
        {
            request.UpdateMask = new FieldMask { Paths = { maskPaths } };
        }

        return Service.UpdateTaskAsync(request, Alice);
    }

    public Task<TodoTask> SetStatusAsync(string name, Status status) =>
        UpdateAsync(new TodoTask { Name = name, Status = status }, "status");

    /// <summary>Creates a task and walks it to <paramref name="status"/> through allowed transitions only.</summary>
    public async Task<TodoTask> CreateInStatusAsync(Status status)
    {
        var task = await CreateAsync($"task in {status}");
        Status[] path = status switch
        {
            Status.Pending => [],
            Status.InProgress => [Status.InProgress],
            Status.Completed => [Status.InProgress, Status.Completed],
            Status.Cancelled => [Status.Cancelled],
            Status.Blocked => [Status.Blocked],
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
        foreach (var step in path)
        {
            task = await SetStatusAsync(task.Name, step);
        }

        return task;
    }
}

/// <summary>A clock that moves only when told to, so timestamps and due-date checks are deterministic.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset now = now;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}

/// <summary>Reads the parts of a <see cref="TaskServiceException"/> that clients see.</summary>
internal static class Failure
{
    public static async Task<TaskServiceException> ExpectAsync(Code code, Func<Task> call)
    {
        var exception = await Assert.ThrowsAsync<TaskServiceException>(call);
        Assert.Equal(code, exception.Code);
        Assert.Equal((int)code, exception.Status.Code);
        return exception;
    }

    /// <summary>Expects INVALID_ARGUMENT and returns its field violations as <c>field: description</c>.</summary>
    public static async Task<string[]> ViolationsAsync(Func<Task> call)
    {
        var exception = await ExpectAsync(Code.InvalidArgument, call);
        return Violations(exception);
    }

    public static string[] Violations(TaskServiceException exception)
    {
        var badRequest = exception.Status.Details[0].Unpack<BadRequest>();
        Assert.NotNull(badRequest);
        return badRequest.FieldViolations.Select(violation => $"{violation.Field}: {violation.Description}").ToArray();
    }

    public static string[] ViolatedFields(TaskServiceException exception) =>
        exception.Status.Details[0].Unpack<BadRequest>().FieldViolations.Select(violation => violation.Field).ToArray();

    public static TDetail Detail<TDetail>(TaskServiceException exception)
        where TDetail : class, Google.Protobuf.IMessage<TDetail>, new()
    {
        var packed = Assert.Single(exception.Status.Details, any => any.Is(new TDetail().Descriptor));
        return packed.Unpack<TDetail>();
    }
}
