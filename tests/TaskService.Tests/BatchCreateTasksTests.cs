using Google.Rpc;
using Todo.V1;
using Status = Todo.V1.Status;
using Task = System.Threading.Tasks.Task;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService.Tests;

public sealed class BatchCreateTasksTests
{
    private readonly TaskServiceFixture fixture = new();

    private Task<BatchCreateTasksResponse> BatchAsync(params TodoTask[] tasks) =>
        fixture.Service.BatchCreateTasksAsync(
            new BatchCreateTasksRequest { Requests = { tasks.Select(task => new CreateTaskRequest { Task = task }) } },
            TaskServiceFixture.Alice);

    private static TodoTask[] Titled(int count) =>
        Enumerable.Range(0, count).Select(i => new TodoTask { Title = $"Batch {i}" }).ToArray();

    private async Task<int> CountAsync() =>
        (await fixture.Service.ListTasksAsync(new ListTasksRequest(), TaskServiceFixture.Alice)).TotalSize;

    [Fact]
    public async Task Batch_creates_all_tasks_in_request_order()
    {
        var response = await BatchAsync(Titled(3));

        Assert.Equal(["Batch 0", "Batch 1", "Batch 2"], response.Tasks.Select(t => t.Title));
        Assert.All(response.Tasks, t => Assert.Equal(Status.Pending, t.Status));
        Assert.Equal(3, response.Tasks.Select(t => t.Name).Distinct().Count());
        Assert.Equal(3, await CountAsync());
    }

    [Fact]
    public async Task Empty_batch_is_rejected()
    {
        Assert.Equal(["requests: must not be empty"], await Failure.ViolationsAsync(() => BatchAsync()));
    }

    [Fact]
    public async Task Batch_of_100_is_accepted_and_101_rejected()
    {
        await BatchAsync(Titled(100));

        var violations = await Failure.ViolationsAsync(() => BatchAsync(Titled(101)));

        Assert.Equal(["requests: must contain at most 100 requests"], violations);
        Assert.Equal(100, await CountAsync());
    }

    [Fact]
    public async Task Violations_are_indexed_by_request_and_nothing_is_created()
    {
        var tasks = Titled(5);
        tasks[1].Title = "";
        tasks[3].Tags.Add(["ok", "Not OK"]);
        tasks[4] = null!;

        var exception = await Failure.ExpectAsync(Code.InvalidArgument, () => fixture.Service.BatchCreateTasksAsync(
            new BatchCreateTasksRequest { Requests = { tasks.Select(task => task is null ? new CreateTaskRequest() : new CreateTaskRequest { Task = task }) } },
            TaskServiceFixture.Alice));

        Assert.Equal(["requests[1].task.title", "requests[3].task.tags[1]", "requests[4].task"], Failure.ViolatedFields(exception));
        Assert.Equal("The request contains 3 validation errors", exception.Status.Message);
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task Duplicate_titles_within_the_batch_conflict_and_nothing_is_created()
    {
        var exception = await Failure.ExpectAsync(
            Code.AlreadyExists,
            () => BatchAsync(new TodoTask { Title = "Same" }, new TodoTask { Title = "Other" }, new TodoTask { Title = "SAME " }));

        Assert.Equal("Conflict creating task: A task with this title already exists", exception.Status.Message);
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task Titles_already_stored_conflict_and_nothing_is_created()
    {
        await fixture.CreateAsync("Existing");

        await Failure.ExpectAsync(Code.AlreadyExists, () => BatchAsync(new TodoTask { Title = "New" }, new TodoTask { Title = "existing" }));

        Assert.Equal(1, await CountAsync());
    }
}
