using Google.Rpc;
using Todo.V1;
using Task = System.Threading.Tasks.Task;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService.Tests;

public sealed class GetAndDeleteTaskTests
{
    private readonly TaskServiceFixture fixture = new();

    private Task<TodoTask> GetAsync(string name) =>
        fixture.Service.GetTaskAsync(new GetTaskRequest { Name = name }, TaskServiceFixture.Alice);

    private Task<DeleteTaskResponse> DeleteAsync(string name) =>
        fixture.Service.DeleteTaskAsync(new DeleteTaskRequest { Name = name }, TaskServiceFixture.Alice);

    [Fact]
    public async Task Get_returns_the_created_task()
    {
        var created = await fixture.CreateAsync("Find me");

        var found = await GetAsync(created.Name);

        Assert.Equal(created, found);
    }

    [Fact]
    public async Task Get_of_unknown_id_is_not_found_with_resource_info()
    {
        var exception = await Failure.ExpectAsync(Code.NotFound, () => GetAsync("tasks/missing"));

        Assert.Equal("Task with ID 'missing' was not found.", exception.Status.Message);
        var resource = Failure.Detail<ResourceInfo>(exception);
        Assert.Equal("tasks/missing", resource.ResourceName);
        Assert.Equal("TASK_NOT_FOUND", Failure.Detail<ErrorInfo>(exception).Type);
    }

    [Theory]
    [InlineData("")]
    [InlineData("missing")]
    [InlineData("tasks/")]
    [InlineData("tasks/a/b")]
    [InlineData("projects/p/tasks/a")]
    public async Task Malformed_names_are_invalid_arguments_on_name(string name)
    {
        Assert.Equal(["name: must be of the form tasks/{id}"], await Failure.ViolationsAsync(() => GetAsync(name)));
        Assert.Equal(["name: must be of the form tasks/{id}"], await Failure.ViolationsAsync(() => DeleteAsync(name)));
    }

    [Fact]
    public async Task Delete_removes_the_task()
    {
        var created = await fixture.CreateAsync("Delete me");

        var response = await DeleteAsync(created.Name);

        Assert.Equal(new DeleteTaskResponse(), response);
        await Failure.ExpectAsync(Code.NotFound, () => GetAsync(created.Name));
    }

    [Fact]
    public async Task Delete_of_absent_task_is_not_found()
    {
        var created = await fixture.CreateAsync("Delete twice");
        await DeleteAsync(created.Name);

        var exception = await Failure.ExpectAsync(Code.NotFound, () => DeleteAsync(created.Name));

        Assert.Equal($"Task with ID '{created.Name["tasks/".Length..]}' was not found.", exception.Status.Message);
    }
}
