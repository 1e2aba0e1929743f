using Todo.V1;
using Task = System.Threading.Tasks.Task;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService.Tests;

public sealed class ListTasksTests
{
    private static readonly Priority[] PriorityCycle = [Priority.Low, Priority.Medium, Priority.High];

    private readonly TaskServiceFixture fixture = new();

    private Task<ListTasksResponse> ListAsync(int pageSize = 0, string filter = "", string orderBy = "", string pageToken = "") =>
        fixture.Service.ListTasksAsync(
            new ListTasksRequest { PageSize = pageSize, Filter = filter, OrderBy = orderBy, PageToken = pageToken },
            TaskServiceFixture.Alice);

    private async Task<List<TodoTask>> WalkAsync(int pageSize, string filter, string orderBy, int expectedTotal)
    {
        var seen = new List<TodoTask>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await ListAsync(pageSize, filter, orderBy, token);
            Assert.Equal(expectedTotal, page.TotalSize);
            Assert.True(page.Tasks.Count <= pageSize);
            seen.AddRange(page.Tasks);
            token = page.NextPageToken;
            pages++;
            Assert.True(pages <= expectedTotal + 1, "paging does not terminate");
        }
        while (token.Length > 0);

        return seen;
    }

    /// <summary>Thirty tasks, one second apart, with priorities LOW, MEDIUM, HIGH in turn and every third one started.</summary>
    private async Task<List<TodoTask>> SeedAsync()
    {
        var tasks = new List<TodoTask>();
        for (var i = 0; i < 30; i++)
        {
            var task = await fixture.CreateAsync($"Task {i:00}", t => t.Priority = PriorityCycle[i % 3]);
            if (i % 3 == 0)
            {
                task = await fixture.SetStatusAsync(task.Name, Status.InProgress);
            }

            tasks.Add(task);
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        return tasks;
    }

    [Fact]
    public async Task Pages_walk_a_filtered_and_ordered_list_without_gaps_or_overlaps()
    {
        var tasks = await SeedAsync();
        var expected = tasks.Where(t => t.Priority == Priority.High).OrderByDescending(t => t.Title, StringComparer.Ordinal).Select(t => t.Name).ToList();

        var walked = await WalkAsync(pageSize: 3, filter: "priority=HIGH", orderBy: "title desc", expectedTotal: 10);

        Assert.Equal(expected, walked.Select(t => t.Name));
    }

    [Fact]
    public async Task Default_order_is_create_time_and_combined_filters_apply_together()
    {
        var tasks = await SeedAsync();
        var expected = tasks.Where(t => t.Priority == Priority.Low && t.Status == Status.InProgress).Select(t => t.Name).ToList();

        var walked = await WalkAsync(pageSize: 2, filter: "status=IN_PROGRESS and priority=PRIORITY_LOW", orderBy: "", expectedTotal: expected.Count);

        Assert.Equal(10, expected.Count);
        Assert.Equal(expected, walked.Select(t => t.Name));
    }

    [Fact]
    public async Task Create_time_desc_returns_newest_first()
    {
        var tasks = await SeedAsync();

        var page = await ListAsync(pageSize: 5, orderBy: "create_time desc");

        Assert.Equal(tasks.AsEnumerable().Reverse().Take(5).Select(t => t.Name), page.Tasks.Select(t => t.Name));
        Assert.Equal(30, page.TotalSize);
    }

    [Fact]
    public async Task Priority_order_breaks_ties_by_name()
    {
        var tasks = await SeedAsync();
        var expected = tasks.OrderBy(t => t.Priority).ThenBy(t => t.Name, StringComparer.Ordinal).Select(t => t.Name);

        var walked = await WalkAsync(pageSize: 7, filter: "", orderBy: "priority", expectedTotal: 30);

        Assert.Equal(expected, walked.Select(t => t.Name));
    }

    [Fact]
    public async Task Tasks_without_due_date_sort_last_in_both_directions()
    {
        var later = await fixture.CreateAsync("Later", t => t.DueDate = fixture.InDays(5));
        var none = await fixture.CreateAsync("None");
        var sooner = await fixture.CreateAsync("Sooner", t => t.DueDate = fixture.InDays(1));

        var ascending = await ListAsync(orderBy: "due_date");
        var descending = await ListAsync(orderBy: "due_date desc");

        Assert.Equal([sooner.Name, later.Name, none.Name], ascending.Tasks.Select(t => t.Name));
        Assert.Equal([later.Name, sooner.Name, none.Name], descending.Tasks.Select(t => t.Name));
    }

    [Fact]
    public async Task Title_order_ignores_case()
    {
        var b = await fixture.CreateAsync("banana");
        var a = await fixture.CreateAsync("Apple");
        var c = await fixture.CreateAsync("Cherry");

        var page = await ListAsync(orderBy: "title");

        Assert.Equal([a.Name, b.Name, c.Name], page.Tasks.Select(t => t.Name));
    }

    [Theory]
    [InlineData("status=COMPLETED")]
    [InlineData("status=STATUS_COMPLETED")]
    [InlineData("STATUS = completed")]
    [InlineData("status=\"Completed\"")]
    public async Task Status_filter_accepts_names_with_or_without_prefix(string filter)
    {
        var done = await fixture.CreateInStatusAsync(Status.Completed);
        await fixture.CreateInStatusAsync(Status.InProgress);

        var page = await ListAsync(filter: filter);

        Assert.Equal([done.Name], page.Tasks.Select(t => t.Name));
        Assert.Equal(1, page.TotalSize);
    }

    [Fact]
    public async Task Created_by_filter_matches_the_exact_user()
    {
        var bobs = await fixture.CreateAsync("Bob's", caller: new CallerInfo("bob"));
        await fixture.CreateAsync("Alice's");
        await fixture.CreateAsync("Bobby's", caller: new CallerInfo("Bob"));

        var page = await ListAsync(filter: "created_by=bob");

        Assert.Equal([bobs.Name], page.Tasks.Select(t => t.Name));
    }

    [Theory]
    [InlineData("status", "term 'status' is not of the form key=VALUE")]
    [InlineData("status=", "term 'status=' has no value")]
    [InlineData("colour=red", "unknown key 'colour'; use status, priority or created_by")]
    [InlineData("status=DONE", "unknown status 'DONE'; use one of PENDING, IN_PROGRESS, COMPLETED, CANCELLED, BLOCKED")]
    [InlineData("status=STATUS_UNSPECIFIED", "unknown status 'STATUS_UNSPECIFIED'; use one of PENDING, IN_PROGRESS, COMPLETED, CANCELLED, BLOCKED")]
    [InlineData("priority=URGENT", "unknown priority 'URGENT'; use one of LOW, MEDIUM, HIGH, CRITICAL")]
    [InlineData("status=PENDING OR priority=HIGH", "unknown status 'PENDING OR priority=HIGH'; use one of PENDING, IN_PROGRESS, COMPLETED, CANCELLED, BLOCKED")]
    [InlineData("status=PENDING AND ", "unknown status 'PENDING AND'; use one of PENDING, IN_PROGRESS, COMPLETED, CANCELLED, BLOCKED")]
    public async Task Bad_filters_name_the_problem(string filter, string problem)
    {
        var violations = await Failure.ViolationsAsync(() => ListAsync(filter: filter));

        Assert.Equal([$"filter: {problem}"], violations);
    }

    [Theory]
    [InlineData("colour")]
    [InlineData("title asc")]
    [InlineData("title desc extra")]
    [InlineData("TITLE")]
    [InlineData("title,priority")]
    public async Task Unknown_order_by_is_rejected(string orderBy)
    {
        var violations = await Failure.ViolationsAsync(() => ListAsync(orderBy: orderBy));

        Assert.Equal(["order_by: must be one of create_time, title, priority, due_date, optionally followed by ' desc'"], violations);
    }

    [Fact]
    public async Task Page_size_zero_means_fifty()
    {
        await fixture.Service.BatchCreateTasksAsync(BatchOf(51, "default"), TaskServiceFixture.Alice);

        var first = await ListAsync();
        var second = await ListAsync(pageToken: first.NextPageToken);

        Assert.Equal(50, first.Tasks.Count);
        Assert.Single(second.Tasks);
        Assert.Equal("", second.NextPageToken);
    }

    [Fact]
    public async Task Page_size_above_1000_is_clamped()
    {
        for (var batch = 0; batch < 11; batch++)
        {
            await fixture.Service.BatchCreateTasksAsync(BatchOf(100, $"batch {batch}"), TaskServiceFixture.Alice);
        }

        var page = await ListAsync(pageSize: 5000);

        Assert.Equal(1000, page.Tasks.Count);
        Assert.Equal(1100, page.TotalSize);
        Assert.NotEqual("", page.NextPageToken);
    }

    [Fact]
    public async Task Last_page_has_no_token_and_empty_store_lists_nothing()
    {
        var empty = await ListAsync();
        await fixture.CreateAsync("Only");
        var exact = await ListAsync(pageSize: 1);

        Assert.Empty(empty.Tasks);
        Assert.Equal(0, empty.TotalSize);
        Assert.Equal("", empty.NextPageToken);
        Assert.Single(exact.Tasks);
        Assert.Equal("", exact.NextPageToken);
    }

    [Fact]
    public async Task Page_size_may_change_between_pages()
    {
        await SeedAsync();
        var first = await ListAsync(pageSize: 4);

        var rest = await ListAsync(pageSize: 100, pageToken: first.NextPageToken);

        Assert.Equal(26, rest.Tasks.Count);
        Assert.Empty(first.Tasks.Select(t => t.Name).Intersect(rest.Tasks.Select(t => t.Name)));
    }

    [Fact]
    public async Task Negative_page_size_is_rejected()
    {
        Assert.Equal(["page_size: must not be negative"], await Failure.ViolationsAsync(() => ListAsync(pageSize: -1)));
    }

    [Theory]
    [InlineData("not a token!")]
    [InlineData("aGVsbG8")]
    [InlineData("LTEuYWJj")]
    public async Task Garbage_page_tokens_are_rejected(string token)
    {
        var violations = await Failure.ViolationsAsync(() => ListAsync(pageToken: token));

        Assert.Equal(["page_token: is not a valid page token; pass next_page_token from a previous response"], violations);
    }

    [Theory]
    [InlineData("priority=LOW", "title")]
    [InlineData("priority=HIGH", "title desc")]
    public async Task Page_token_from_another_query_is_rejected(string filter, string orderBy)
    {
        await SeedAsync();
        var first = await ListAsync(pageSize: 2, filter: "priority=HIGH", orderBy: "title");

        var violations = await Failure.ViolationsAsync(() => ListAsync(pageSize: 2, filter: filter, orderBy: orderBy, pageToken: first.NextPageToken));

        Assert.Equal(["page_token: page_token does not match the query; keep filter and order_by unchanged while paging"], violations);
    }

    [Fact]
    public async Task All_list_problems_are_reported_at_once()
    {
        var violations = await Failure.ViolationsAsync(() => ListAsync(pageSize: -5, filter: "x", orderBy: "y", pageToken: "z"));

        Assert.Equal(["page_size", "filter", "order_by", "page_token"], violations.Select(v => v[..v.IndexOf(':', StringComparison.Ordinal)]));
    }

    private static BatchCreateTasksRequest BatchOf(int count, string prefix) => new()
    {
        Requests = { Enumerable.Range(0, count).Select(i => new CreateTaskRequest { Task = new TodoTask { Title = $"{prefix} {i}" } }) },
    };
}
