using Google.Rpc;
using Todo.V1;
using Task = System.Threading.Tasks.Task;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService.Tests;

public sealed class ConcurrencyTests
{
    private readonly TaskServiceFixture fixture = new();

    private async Task<Code?> TryCreateAsync(string title)
    {
        try
        {
            await fixture.CreateAsync(title);
            return null;
        }
        catch (TaskServiceException exception)
        {
            return exception.Code;
        }
    }

    [Fact]
    public async Task Parallel_creates_with_distinct_titles_all_succeed()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => TryCreateAsync($"Parallel {i}"))));

        Assert.All(outcomes, outcome => Assert.Null(outcome));
        var listed = await fixture.Service.ListTasksAsync(new ListTasksRequest { PageSize = 1000 }, TaskServiceFixture.Alice);
        Assert.Equal(200, listed.TotalSize);
        Assert.Equal(200, listed.Tasks.Select(t => t.Name).Distinct().Count());
    }

    [Fact]
    public async Task Parallel_creates_of_one_title_have_exactly_one_winner()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => TryCreateAsync(i % 2 == 0 ? "Contested" : " CONTESTED"))));

        Assert.Single(outcomes, outcome => outcome is null);
        Assert.Equal(49, outcomes.Count(outcome => outcome == Code.AlreadyExists));
    }

    [Fact]
    public async Task Parallel_renames_to_one_title_have_exactly_one_winner()
    {
        var tasks = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => fixture.CreateAsync($"Rename {i}")));

        var outcomes = await Task.WhenAll(tasks.Select(task => Task.Run(async () =>
        {
            try
            {
                await fixture.UpdateAsync(new TodoTask { Name = task.Name, Title = "Winner" }, "title");
                return true;
            }
            catch (TaskServiceException exception) when (exception.Code == Code.AlreadyExists)
            {
                return false;
            }
        })));

        Assert.Single(outcomes, renamed => renamed);
    }
}
