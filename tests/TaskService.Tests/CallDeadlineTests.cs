using System.Net;
using System.Net.Http.Headers;

namespace Strait.Samples.TaskService.Tests;

/// <summary>
/// A served call that outlives its deadline ends with the host's DEADLINE_EXCEEDED, not CANCELLED: a gateway whose
/// own deadline fires a moment after the backend's answers 504 either way, never 499 as if its client had left.
/// </summary>
public sealed class CallDeadlineTests
{
    [Fact]
    public async Task A_call_past_its_deadline_ends_with_deadline_exceeded_and_is_journaled_as_cancelled()
    {
        var service = new InMemoryTaskService(new FaultInjection { Latency = TimeSpan.FromSeconds(5) });
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        service.Journal.Log = line =>
        {
            if (line.StartsWith("END ", StringComparison.Ordinal))
            {
                ended.TrySetResult(line);
            }
        };
        await using var host = await TaskServiceReplicas.StartOneAsync(service, new IPEndPoint(IPAddress.Loopback, 0));
        using var http = new HttpClient();
        // An empty ListTasksRequest in one gRPC frame, with a deadline the client does not enforce itself.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.Address, "/todo.v1.TaskService/ListTasks"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "200m");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        _ = await response.Content.ReadAsByteArrayAsync();

        // A trailers-only answer carries the status in its headers.
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer : response.Headers.GetValues("grpc-status");
        Assert.Equal("4", status.Single()); // DEADLINE_EXCEEDED
        Assert.StartsWith("END ListTasks CANCELLED ", await ended.Task.WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
    }
}
