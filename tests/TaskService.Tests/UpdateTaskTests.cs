using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Todo.V1;
using Status = Todo.V1.Status;
using Task = System.Threading.Tasks.Task;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService.Tests;

public sealed class UpdateTaskTests
{
    private static readonly Status[] Statuses = [Status.Pending, Status.InProgress, Status.Completed, Status.Cancelled, Status.Blocked];

    // Written out independently of StatusTransitions so that the table is checked, not restated.
    private static readonly HashSet<(Status From, Status To)> AllowedMoves =
    [
        (Status.Pending, Status.InProgress), (Status.Pending, Status.Cancelled), (Status.Pending, Status.Blocked),
        (Status.InProgress, Status.Completed), (Status.InProgress, Status.Cancelled), (Status.InProgress, Status.Blocked), (Status.InProgress, Status.Pending),
        (Status.Blocked, Status.Pending), (Status.Blocked, Status.InProgress), (Status.Blocked, Status.Cancelled),
    ];

    private readonly TaskServiceFixture fixture = new();

    public static TheoryData<Status, Status> AllStatusPairs()
    {
        var pairs = new TheoryData<Status, Status>();
        foreach (var from in Statuses)
        {
            foreach (var to in Statuses)
            {
                pairs.Add(from, to);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(AllStatusPairs))]
    public async Task Status_transitions_follow_the_lifecycle(Status from, Status to)
    {
        var task = await fixture.CreateInStatusAsync(from);
        var allowed = from == to || AllowedMoves.Contains((from, to));

        if (allowed)
        {
            var updated = await fixture.SetStatusAsync(task.Name, to);
            Assert.Equal(to, updated.Status);
            return;
        }

        var exception = await Failure.ExpectAsync(Code.FailedPrecondition, () => fixture.SetStatusAsync(task.Name, to));
        var violation = Assert.Single(Failure.Detail<PreconditionFailure>(exception).Violations);
        Assert.Equal("STATUS_TRANSITION", violation.Type);
        Assert.Equal(task.Name, violation.Subject);
        Assert.Equal($"cannot move from {ShortName(from)} to {ShortName(to)}", violation.Description);
        Assert.Equal(from, (await GetAsync(task.Name)).Status);
    }

    [Fact]
    public void Status_transition_table_matches_the_documented_lifecycle()
    {
        foreach (var from in Statuses)
        {
            foreach (var to in Statuses)
            {
                Assert.Equal(from == to || AllowedMoves.Contains((from, to)), StatusTransitions.IsAllowed(from, to));
            }
        }
    }

    [Fact]
    public async Task Completed_to_pending_is_reported_with_short_status_names()
    {
        var task = await fixture.CreateInStatusAsync(Status.Completed);

        var exception = await Failure.ExpectAsync(Code.FailedPrecondition, () => fixture.SetStatusAsync(task.Name, Status.Pending));

        Assert.Equal("cannot move from COMPLETED to PENDING", Failure.Detail<PreconditionFailure>(exception).Violations[0].Description);
        Assert.Equal("The task cannot move from COMPLETED to PENDING.", exception.Status.Message);
    }

    [Fact]
    public async Task Masked_update_changes_only_the_named_fields_and_refreshes_update_time()
    {
        var task = await fixture.CreateAsync("Original", t =>
        {
            t.Description = "keep me";
            t.Tags.Add("old");
        });
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));

        var updated = await fixture.UpdateAsync(
            new TodoTask { Name = task.Name, Title = "Renamed", Description = "ignored", Tags = { "new", "tags" } },
            "title",
            "tags");

        Assert.Equal("Renamed", updated.Title);
        Assert.Equal("keep me", updated.Description);
        Assert.Equal(["new", "tags"], updated.Tags);
        Assert.Equal(task.CreateTime, updated.CreateTime);
        Assert.Equal(Timestamp.FromDateTimeOffset(TaskServiceFixture.Start.AddMinutes(5)), updated.UpdateTime);
        Assert.Equal(updated, await GetAsync(task.Name));
    }

    [Fact]
    public async Task Masked_update_can_clear_fields()
    {
        var task = await fixture.CreateAsync("Clear me", t =>
        {
            t.Description = "text";
            t.DueDate = fixture.InDays(1);
            t.Tags.Add("tag");
            t.Priority = Priority.Critical;
        });

        var updated = await fixture.UpdateAsync(new TodoTask { Name = task.Name }, "description", "due_date", "tags", "priority");

        Assert.Equal("", updated.Description);
        Assert.Null(updated.DueDate);
        Assert.Empty(updated.Tags);
        Assert.Equal(Priority.Medium, updated.Priority);
    }

    [Fact]
    public async Task Absent_mask_updates_the_populated_fields_of_the_body()
    {
        var task = await fixture.CreateAsync("Partial", t =>
        {
            t.Description = "stays";
            t.Priority = Priority.Low;
        });

        var updated = await fixture.UpdateAsync(new TodoTask { Name = task.Name, Priority = Priority.High, Status = Status.InProgress });

        Assert.Equal("Partial", updated.Title);
        Assert.Equal("stays", updated.Description);
        Assert.Equal(Priority.High, updated.Priority);
        Assert.Equal(Status.InProgress, updated.Status);
    }

    [Fact]
    public async Task Output_only_and_unknown_mask_paths_are_rejected_together()
    {
        var task = await fixture.CreateAsync("Masked");

        var violations = await Failure.ViolationsAsync(
            () => fixture.UpdateAsync(new TodoTask { Name = task.Name }, "create_time", "colour", "name", "update_time", "created_by"));

        Assert.Equal(
            [
                "update_mask: 'create_time' is output only and cannot be updated",
                "update_mask: 'colour' is not an updatable field; use title, description, status, priority, due_date, tags",
                "update_mask: 'name' is output only and cannot be updated",
                "update_mask: 'update_time' is output only and cannot be updated",
                "update_mask: 'created_by' is output only and cannot be updated",
            ],
            violations);
    }

    [Fact]
    public async Task Updated_fields_are_validated_like_on_create()
    {
        var task = await fixture.CreateAsync("Validate");

        var violations = await Failure.ViolationsAsync(() => fixture.UpdateAsync(
            new TodoTask { Name = task.Name, Description = new string('x', 1001), DueDate = fixture.InDays(-1), Tags = { "ok", "ok" } },
            "title",
            "description",
            "due_date",
            "tags"));

        Assert.Equal(
            [
                "task.title: must not be empty",
                "task.description: must be at most 1000 characters",
                "task.due_date: must be in the future",
                "task.tags[1]: duplicates task.tags[0]",
            ],
            violations);
    }

    [Fact]
    public async Task Fields_outside_the_mask_are_not_validated()
    {
        var task = await fixture.CreateAsync("Unvalidated");

        var updated = await fixture.UpdateAsync(new TodoTask { Name = task.Name, Description = "fine", Tags = { "NOT VALID" } }, "description");

        Assert.Equal("fine", updated.Description);
        Assert.Empty(updated.Tags);
    }

    [Theory]
    [InlineData(Status.Unspecified)]
    [InlineData((Status)99)]
    public async Task Status_in_the_mask_must_be_a_known_value(Status status)
    {
        var task = await fixture.CreateAsync("Status check");

        var violations = await Failure.ViolationsAsync(() => fixture.SetStatusAsync(task.Name, status));

        Assert.Equal(["task.status: must be one of PENDING, IN_PROGRESS, COMPLETED, CANCELLED, BLOCKED"], violations);
    }

    [Fact]
    public async Task Missing_task_and_malformed_name_are_invalid_arguments()
    {
        var missingTask = await Failure.ViolationsAsync(
            () => fixture.Service.UpdateTaskAsync(new UpdateTaskRequest(), TaskServiceFixture.Alice));
        var badName = await Failure.ViolationsAsync(() => fixture.UpdateAsync(new TodoTask { Name = "nope", Title = "x" }));

        Assert.Equal(["task: must be set"], missingTask);
        Assert.Equal(["task.name: must be of the form tasks/{id}"], badName);
    }

    [Fact]
    public async Task Update_of_unknown_task_is_not_found()
    {
        var exception = await Failure.ExpectAsync(Code.NotFound, () => fixture.UpdateAsync(new TodoTask { Name = "tasks/ghost", Title = "x" }));

        Assert.Equal("Task with ID 'ghost' was not found.", exception.Status.Message);
    }

    [Fact]
    public async Task Renaming_to_another_tasks_title_conflicts()
    {
        await fixture.CreateAsync("Taken");
        var task = await fixture.CreateAsync("Mine");

        var exception = await Failure.ExpectAsync(Code.AlreadyExists, () => fixture.UpdateAsync(new TodoTask { Name = task.Name, Title = " TAKEN " }, "title"));

        Assert.Equal("Conflict creating task: A task with this title already exists", exception.Status.Message);
        Assert.Equal("Mine", (await GetAsync(task.Name)).Title);
    }

    [Fact]
    public async Task Renaming_frees_the_old_title_and_may_keep_its_own_title_in_another_case()
    {
        var task = await fixture.CreateAsync("Old name");

        var recased = await fixture.UpdateAsync(new TodoTask { Name = task.Name, Title = "OLD NAME" }, "title");
        await fixture.UpdateAsync(new TodoTask { Name = task.Name, Title = "New name" }, "title");
        var reused = await fixture.CreateAsync("Old name");

        Assert.Equal("OLD NAME", recased.Title);
        Assert.Equal("Old name", reused.Title);
    }

    private Task<TodoTask> GetAsync(string name) =>
        fixture.Service.GetTaskAsync(new GetTaskRequest { Name = name }, TaskServiceFixture.Alice);

    private static string ShortName(Status status) => status.ToString() switch
    {
        "InProgress" => "IN_PROGRESS",
        var name => name.ToUpperInvariant(),
    };
}
