using System.Diagnostics;
using Google.Rpc;
using Todo.V1;
using Task = System.Threading.Tasks.Task;
using TodoTask = Todo.V1.Task;

namespace Strait.Samples.TaskService.Tests;

public sealed class FaultInjectionTests
{
    private static Task<ListTasksResponse> ListAsync(InMemoryTaskService service, CallerInfo? caller = null, CancellationToken cancellationToken = default) =>
        service.ListTasksAsync(new ListTasksRequest(), caller ?? TaskServiceFixture.Alice, cancellationToken);

    private static CallerInfo WithHeader(string name, string value) => new("alice", [new(name, value)]);

    [Fact]
    public async Task First_calls_fail_then_calls_succeed()
    {
        var service = new TaskServiceFixture(new FaultInjection { FailFirstCalls = 2, ErrorCode = Code.ResourceExhausted }).Service;

        var first = await Failure.ExpectAsync(Code.ResourceExhausted, () => ListAsync(service));
        await Failure.ExpectAsync(Code.ResourceExhausted, () => ListAsync(service));
        await ListAsync(service);

        Assert.Equal("Injected fault (fail-first-calls): RESOURCE_EXHAUSTED", first.Status.Message);
        Assert.Equal("INJECTED_FAULT", Failure.Detail<ErrorInfo>(first).Type);
    }

    [Fact]
    public async Task Fail_first_counter_is_exact_under_concurrency()
    {
        var service = new TaskServiceFixture(new FaultInjection { FailFirstCalls = 25 }).Service;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            try
            {
                await ListAsync(service);
                return true;
            }
            catch (TaskServiceException)
            {
                return false;
            }
        })));

        Assert.Equal(25, outcomes.Count(succeeded => !succeeded));
    }

    [Fact]
    public async Task Injected_unavailable_carries_a_30_second_retry_delay()
    {
        var service = new TaskServiceFixture(new FaultInjection { ErrorRate = 1 }).Service;

        var exception = await Failure.ExpectAsync(Code.Unavailable, () => ListAsync(service));

        Assert.Equal(TimeSpan.FromSeconds(30), Failure.Detail<RetryInfo>(exception).RetryDelay.ToTimeSpan());
        Assert.Equal("error-rate", Failure.Detail<ErrorInfo>(exception).Metadata["source"]);
    }

    [Fact]
    public async Task Other_injected_codes_carry_no_retry_info()
    {
        var service = new TaskServiceFixture().Service;

        var exception = await Failure.ExpectAsync(Code.Internal, () => ListAsync(service, WithHeader(FaultHeaders.FailCode, "INTERNAL")));

        Assert.DoesNotContain(exception.Status.Details, any => any.Is(RetryInfo.Descriptor));
    }

    [Fact]
    public async Task Error_rate_fails_about_that_share_of_calls()
    {
        var service = new TaskServiceFixture(new FaultInjection { ErrorRate = 0.5 }).Service;
        var failures = 0;

        for (var i = 0; i < 1000; i++)
        {
            try
            {
                await ListAsync(service);
            }
            catch (TaskServiceException)
            {
                failures++;
            }
        }

        // Binomial(1000, 0.5) lands outside 350..650 with probability below 1e-20.
        Assert.InRange(failures, 350, 650);
    }

    [Theory]
    [InlineData("UNAVAILABLE", Code.Unavailable)]
    [InlineData("not_found", Code.NotFound)]
    [InlineData("14", Code.Unavailable)]
    [InlineData(" 5 ", Code.NotFound)]
    [InlineData("DEADLINE_EXCEEDED", Code.DeadlineExceeded)]
    public async Task Fail_code_header_fails_the_call_with_that_code(string header, Code expected)
    {
        var service = new TaskServiceFixture().Service;

        var exception = await Failure.ExpectAsync(expected, () => ListAsync(service, WithHeader(FaultHeaders.FailCode, header)));

        Assert.Equal(FaultHeaders.FailCode, Failure.Detail<ErrorInfo>(exception).Metadata["source"]);
    }

    [Fact]
    public async Task Fail_code_header_fails_before_the_logic_runs()
    {
        var fixture = new TaskServiceFixture();

        await Failure.ExpectAsync(Code.Aborted, () => fixture.CreateAsync("Never stored", caller: WithHeader(FaultHeaders.FailCode, "ABORTED")));

        Assert.Equal(0, (await ListAsync(fixture.Service)).TotalSize);
    }

    [Theory]
    [InlineData(FaultHeaders.FailCode, "0")]
    [InlineData(FaultHeaders.FailCode, "OK")]
    [InlineData(FaultHeaders.FailCode, "17")]
    [InlineData(FaultHeaders.FailCode, "BROKEN")]
    [InlineData(FaultHeaders.Delay, "-1")]
    [InlineData(FaultHeaders.Delay, "soon")]
    [InlineData(FaultHeaders.Delay, "600001")]
    public async Task Malformed_fault_headers_are_invalid_arguments(string header, string value)
    {
        var service = new TaskServiceFixture().Service;

        var exception = await Failure.ExpectAsync(Code.InvalidArgument, () => ListAsync(service, WithHeader(header, value)));

        Assert.StartsWith($"Header {header} must", exception.Status.Message, StringComparison.Ordinal);
        Assert.Equal(header, Failure.Detail<ErrorInfo>(exception).Metadata["header"]);
    }

    [Fact]
    public async Task Header_failures_do_not_use_up_configured_first_failures()
    {
        var service = new TaskServiceFixture(new FaultInjection { FailFirstCalls = 1, ErrorCode = Code.Internal }).Service;

        await Failure.ExpectAsync(Code.NotFound, () => ListAsync(service, WithHeader(FaultHeaders.FailCode, "NOT_FOUND")));
        await Failure.ExpectAsync(Code.Internal, () => ListAsync(service));
        await ListAsync(service);
    }

    [Fact]
    public async Task Delay_header_delays_the_call()
    {
        var service = new TaskServiceFixture().Service;
        var stopwatch = Stopwatch.StartNew();

        await ListAsync(service, WithHeader(FaultHeaders.Delay, "150"));

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(140), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Configured_latency_delays_every_call()
    {
        var service = new TaskServiceFixture(new FaultInjection { Latency = TimeSpan.FromMilliseconds(100), LatencyJitter = TimeSpan.FromMilliseconds(20) }).Service;
        var stopwatch = Stopwatch.StartNew();

        await ListAsync(service);
        await ListAsync(service);

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(190), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Cancellation_interrupts_an_injected_delay()
    {
        var service = new TaskServiceFixture(new FaultInjection { Latency = TimeSpan.FromMinutes(5) }).Service;
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ListAsync(service, cancellationToken: cancellation.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task An_already_cancelled_call_does_nothing()
    {
        var fixture = new TaskServiceFixture();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fixture.Service.CreateTaskAsync(new CreateTaskRequest { Task = new TodoTask { Title = "Cancelled" } }, TaskServiceFixture.Alice, new CancellationToken(canceled: true)));

        Assert.Equal(0, (await ListAsync(fixture.Service)).TotalSize);
    }

    public static TheoryData<object> InvalidOptions() =>
    [
        new FaultInjection { Latency = TimeSpan.FromSeconds(-1) },
        new FaultInjection { LatencyJitter = TimeSpan.FromSeconds(-1) },
        new FaultInjection { ErrorRate = 1.5 },
        new FaultInjection { ErrorRate = double.NaN },
        new FaultInjection { FailFirstCalls = -1 },
        new FaultInjection { ErrorCode = Code.Ok },
        new FaultInjection { ErrorCode = (Code)99 },
    ];

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_options_are_rejected_at_construction(object optionsValue)
    {
        var options = (FaultInjection)optionsValue;
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryTaskService(options));
    }
}
