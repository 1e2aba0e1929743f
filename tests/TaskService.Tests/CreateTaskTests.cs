using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Todo.V1;
using Status = Todo.V1.Status;
using Task = System.Threading.Tasks.Task;

namespace Strait.Samples.TaskService.Tests;

public sealed class CreateTaskTests
{
    private readonly TaskServiceFixture fixture = new();

    [Fact]
    public async Task Create_sets_server_fields_and_keeps_client_fields()
    {
        var due = fixture.InDays(3);
        var created = await fixture.CreateAsync("Write report", task =>
        {
            task.Description = "quarterly";
            task.Priority = Priority.High;
            task.DueDate = due;
            task.Tags.Add(["work", "q1-2030"]);
        });

        Assert.Matches("^tasks/[a-z0-9]{12}$", created.Name);
        Assert.Equal("Write report", created.Title);
        Assert.Equal("quarterly", created.Description);
        Assert.Equal(Status.Pending, created.Status);
        Assert.Equal(Priority.High, created.Priority);
        Assert.Equal(due, created.DueDate);
        Assert.Equal(["work", "q1-2030"], created.Tags);
        Assert.Equal("alice", created.CreatedBy);
        Assert.Equal(Timestamp.FromDateTimeOffset(TaskServiceFixture.Start), created.CreateTime);
        Assert.Equal(created.CreateTime, created.UpdateTime);
    }

    [Fact]
    public async Task Create_defaults_priority_to_medium_and_status_to_pending()
    {
        var created = await fixture.CreateAsync("Defaults");

        Assert.Equal(Priority.Medium, created.Priority);
        Assert.Equal(Status.Pending, created.Status);
    }

    [Fact]
    public async Task Create_accepts_explicit_pending_status()
    {
        var created = await fixture.CreateAsync("Pending", task => task.Status = Status.Pending);

        Assert.Equal(Status.Pending, created.Status);
    }

    [Fact]
    public async Task Create_ignores_output_only_fields_from_the_client()
    {
        var created = await fixture.CreateAsync("Spoofed", task =>
        {
            task.Name = "tasks/chosen";
            task.CreatedBy = "mallory";
            task.CreateTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        });

        Assert.NotEqual("tasks/chosen", created.Name);
        Assert.Equal("alice", created.CreatedBy);
        Assert.Equal(Timestamp.FromDateTimeOffset(TaskServiceFixture.Start), created.CreateTime);
    }

    [Fact]
    public async Task Create_generates_distinct_ids()
    {
        var first = await fixture.CreateAsync("One");
        var second = await fixture.CreateAsync("Two");

        Assert.NotEqual(first.Name, second.Name);
    }

    [Fact]
    public async Task Created_task_cannot_be_changed_through_the_returned_message()
    {
        var created = await fixture.CreateAsync("Original");
        created.Title = "Mutated";

        var stored = await fixture.Service.GetTaskAsync(new GetTaskRequest { Name = created.Name }, TaskServiceFixture.Alice);
        Assert.Equal("Original", stored.Title);
    }

    [Fact]
    public async Task Created_by_comes_from_the_bearer_token_or_is_anonymous()
    {
        var byBob = await fixture.CreateAsync("Bob's", caller: CallerInfo.FromHeaders([new("authorization", "Bearer bob")]));
        var byNobody = await fixture.CreateAsync("Nobody's", caller: CallerInfo.FromHeaders([]));

        Assert.Equal("bob", byBob.CreatedBy);
        Assert.Equal("anonymous", byNobody.CreatedBy);
    }

    /// <summary>
    /// The reference gateway also reports an aggregate format violation on <c>tags</c>; Strait's sample reports each
    /// problem once, on the element that has it, so exactly four violations are expected here.
    /// </summary>
    [Fact]
    public async Task Golden_example_reports_every_violation_with_request_relative_paths()
    {
        var exception = await Failure.ExpectAsync(Code.InvalidArgument, () => fixture.CreateAsync("", task =>
        {
            task.Description = new string('x', 1001);
            task.Tags.Add(["INVALID TAG", "tag-1", "tag-1"]);
        }));

        Assert.Equal("The request contains 4 validation errors", exception.Status.Message);
        Assert.Equal(
            [
                "task.title: must not be empty",
                "task.description: must be at most 1000 characters",
                "task.tags[0]: must contain only lowercase letters, digits and hyphens (^[a-z0-9-]+$)",
                "task.tags[2]: duplicates task.tags[1]",
            ],
            Failure.Violations(exception));

        Assert.Equal(2, exception.Status.Details.Count);
        Assert.True(exception.Status.Details[0].Is(BadRequest.Descriptor), "BadRequest must come first");
        var errorInfo = exception.Status.Details[1].Unpack<ErrorInfo>();
        Assert.Equal("VALIDATION_FAILED", errorInfo.Type);
        Assert.Equal("todo.example.com", errorInfo.Domain);
        Assert.Equal(ViolationReason.TooShort, errorInfo.Metadata["task.title"]);
        Assert.Equal(ViolationReason.TooLong, errorInfo.Metadata["task.description"]);
        Assert.Equal(ViolationReason.InvalidFormat, errorInfo.Metadata["task.tags[0]"]);
        Assert.Equal(ViolationReason.Duplicate, errorInfo.Metadata["task.tags[2]"]);
    }

    [Fact]
    public async Task A_single_violation_uses_the_singular_message()
    {
        var exception = await Failure.ExpectAsync(Code.InvalidArgument, () => fixture.CreateAsync(""));

        Assert.Equal("The request contains 1 validation error", exception.Status.Message);
    }

    [Fact]
    public async Task Missing_task_is_a_violation_on_task()
    {
        var violations = await Failure.ViolationsAsync(
            () => fixture.Service.CreateTaskAsync(new CreateTaskRequest(), TaskServiceFixture.Alice));

        Assert.Equal(["task: must be set"], violations);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Blank_title_is_rejected(string title)
    {
        var violations = await Failure.ViolationsAsync(() => fixture.CreateAsync(title));

        Assert.Equal(["task.title: must not be empty"], violations);
    }

    [Fact]
    public async Task Title_of_200_characters_is_accepted_and_201_rejected()
    {
        await fixture.CreateAsync(new string('a', 200));

        var violations = await Failure.ViolationsAsync(() => fixture.CreateAsync(new string('b', 201)));
        Assert.Equal(["task.title: must be at most 200 characters"], violations);
    }

    [Fact]
    public async Task Lengths_count_characters_not_utf16_units()
    {
        var emojiTitle = string.Concat(Enumerable.Repeat("\U0001F600", 200));

        var created = await fixture.CreateAsync(emojiTitle);

        Assert.Equal(emojiTitle, created.Title);
    }

    [Fact]
    public async Task Description_of_1000_characters_is_accepted()
    {
        var created = await fixture.CreateAsync("Long description", task => task.Description = new string('d', 1000));

        Assert.Equal(1000, created.Description.Length);
    }

    [Fact]
    public async Task At_most_ten_tags_are_allowed()
    {
        await fixture.CreateAsync("Ten tags", task => task.Tags.Add(Enumerable.Range(0, 10).Select(i => $"t{i}")));

        var violations = await Failure.ViolationsAsync(
            () => fixture.CreateAsync("Eleven tags", task => task.Tags.Add(Enumerable.Range(0, 11).Select(i => $"t{i}"))));
        Assert.Equal(["task.tags: must contain at most 10 tags"], violations);
    }

    [Fact]
    public async Task Tags_longer_than_50_characters_are_rejected()
    {
        var violations = await Failure.ViolationsAsync(
            () => fixture.CreateAsync("Long tag", task => task.Tags.Add([new string('a', 50), new string('a', 51)])));

        Assert.Equal(["task.tags[1]: must be at most 50 characters"], violations);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("under_score")]
    [InlineData("")]
    [InlineData("tag\n")]
    [InlineData("sp ace")]
    public async Task Tags_must_match_the_pattern(string tag)
    {
        var exception = await Failure.ExpectAsync(Code.InvalidArgument, () => fixture.CreateAsync("Bad tag", task => task.Tags.Add(["ok", tag])));

        Assert.Equal(["task.tags[1]"], Failure.ViolatedFields(exception));
    }

    [Fact]
    public async Task Due_date_must_be_in_the_future()
    {
        await fixture.CreateAsync("Tomorrow", task => task.DueDate = fixture.InDays(1));

        var violations = await Failure.ViolationsAsync(() => fixture.CreateAsync("Now", task => task.DueDate = fixture.InDays(0)));
        Assert.Equal(["task.due_date: must be in the future"], violations);
    }

    [Fact]
    public async Task Due_date_must_be_a_valid_timestamp()
    {
        var violations = await Failure.ViolationsAsync(
            () => fixture.CreateAsync("Broken date", task => task.DueDate = new Timestamp { Seconds = 253_402_300_800 }));

        Assert.Equal(["task.due_date: must be a valid timestamp"], violations);
    }

    [Theory]
    [InlineData(Status.InProgress)]
    [InlineData(Status.Completed)]
    [InlineData(Status.Cancelled)]
    [InlineData(Status.Blocked)]
    public async Task Create_rejects_statuses_other_than_pending(Status status)
    {
        var violations = await Failure.ViolationsAsync(() => fixture.CreateAsync("Started", task => task.Status = status));

        Assert.Equal(["task.status: must be PENDING or unset when creating a task"], violations);
    }

    [Fact]
    public async Task Create_rejects_unknown_priority_numbers()
    {
        var violations = await Failure.ViolationsAsync(() => fixture.CreateAsync("Odd", task => task.Priority = (Priority)42));

        Assert.Equal(["task.priority: must be one of LOW, MEDIUM, HIGH, CRITICAL"], violations);
    }

    [Theory]
    [InlineData("Buy milk")]
    [InlineData("buy MILK")]
    [InlineData("  Buy milk  ")]
    public async Task Duplicate_titles_conflict_ignoring_case_and_surrounding_spaces(string duplicate)
    {
        await fixture.CreateAsync("Buy milk");

        var exception = await Failure.ExpectAsync(Code.AlreadyExists, () => fixture.CreateAsync(duplicate));

        Assert.Equal("Conflict creating task: A task with this title already exists", exception.Status.Message);
        Assert.Equal("DUPLICATE_TITLE", Failure.Detail<ErrorInfo>(exception).Type);
    }

    [Fact]
    public async Task Title_becomes_free_again_after_delete()
    {
        var first = await fixture.CreateAsync("Reusable");
        await fixture.Service.DeleteTaskAsync(new DeleteTaskRequest { Name = first.Name }, TaskServiceFixture.Alice);

        var second = await fixture.CreateAsync("reusable");

        Assert.NotEqual(first.Name, second.Name);
    }
}
