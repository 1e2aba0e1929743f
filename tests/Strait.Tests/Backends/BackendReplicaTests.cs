using System.Text;
using Google.Protobuf;
using Grpc.Health.V1;
using Strait.Wire;
using Todo.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using Task = System.Threading.Tasks.Task;

namespace Strait.Tests.Backends;

/// <summary>
/// Both sample backends as real processes, used as load-balancing replicas: the <c>x-replica-id</c> header, binding to
/// other loopback addresses, and <c>grpc.health.v1.Health</c> switched from the harness through stdin.
/// </summary>
public sealed class BackendReplicaTests
{
    private const string TaskService = "taskservice";
    private const string NodeEcho = "node-echo";
    private const string ReplicaIdHeader = "x-replica-id";
    private const string HealthCheck = "/grpc.health.v1.Health/Check";
    private const string HealthWatch = "/grpc.health.v1.Health/Watch";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(TaskService)]
    [InlineData(NodeEcho)]
    public async Task Success_and_error_replies_carry_the_default_replica_id_as_a_response_header(string kind)
    {
        await using var backend = await StartAsync(kind, new BackendOptions());
        using var client = Client(backend);
        var calls = Calls.For(kind);

        Assert.Equal($"{kind}-{backend.Port}", backend.ReplicaId);
        using (var success = await client.InvokeUnaryAsync(calls.Success, calls.SuccessRequest, deadlineUtc: Deadline()))
        {
            Assert.Equal(GrpcStatusCode.Ok, success.Status.Code);
            Assert.Equal([backend.ReplicaId], success.ResponseHeaders.GetValues(ReplicaIdHeader));
        }

        using var failure = await client.InvokeUnaryAsync(calls.Failure, calls.FailureRequest, calls.FailureHeaders(), Deadline());
        Assert.Equal(calls.FailureCode, failure.Status.Code);
        // Headers, then the status in trailers: not Trailers-Only, so the id is initial metadata on errors too.
        Assert.Equal([backend.ReplicaId], failure.ResponseHeaders.GetValues(ReplicaIdHeader));
        Assert.False(failure.Trailers.ContainsKey(ReplicaIdHeader));
    }

    [Fact]
    public async Task Node_echo_keeps_its_server_version_header_next_to_the_replica_id()
    {
        await using var backend = await StartAsync(NodeEcho, new BackendOptions { ReplicaId = "echo-a" });
        using var client = Client(backend);

        using var echo = await client.InvokeUnaryAsync("/strait.echo.v1.EchoService/Echo", EchoRequest("x"), deadlineUtc: Deadline());

        Assert.Equal(GrpcStatusCode.Ok, echo.Status.Code);
        Assert.Equal(["echo-a"], echo.ResponseHeaders.GetValues("x-replica-id"));
        Assert.Equal(["node-echo/1.0"], echo.ResponseHeaders.GetValues("x-server-version"));
        Assert.True(echo.Trailers.ContainsKey("processing-time"));
    }

    [Theory]
    [InlineData(TaskService)]
    [InlineData(NodeEcho)]
    public async Task Replicas_on_127_0_0_2_and_127_0_0_3_share_a_port_and_answer_with_their_own_ids(string kind)
    {
        await using var first = await StartAsync(kind, new BackendOptions { Host = "127.0.0.2", ReplicaId = "replica-a" });
        await using var second = await StartAsync(kind, new BackendOptions { Host = "127.0.0.3", Port = first.Port, ReplicaId = "replica-b" });
        var calls = Calls.For(kind);

        Assert.Equal($"127.0.0.2:{first.Port}", first.Address);
        Assert.Equal($"127.0.0.3:{first.Port}", second.Address);
        foreach (var (backend, id) in new[] { (first, "replica-a"), (second, "replica-b") })
        {
            using var client = Client(backend);
            using var reply = await client.InvokeUnaryAsync(calls.Success, calls.SuccessRequest, deadlineUtc: Deadline());
            Assert.Equal(GrpcStatusCode.Ok, reply.Status.Code);
            Assert.Equal([id], reply.ResponseHeaders.GetValues(ReplicaIdHeader));
        }
    }

    [Theory]
    [InlineData(TaskService)]
    [InlineData(NodeEcho)]
    public async Task Health_check_follows_the_status_set_through_stdin(string kind)
    {
        await using var backend = await StartAsync(kind, new BackendOptions { ReplicaId = "health-replica" });
        using var client = Client(backend);
        var service = Calls.For(kind).ServiceName;

        Assert.Equal(ServingStatus.Serving, await CheckAsync(client, string.Empty));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client, service));

        await backend.SetHealthAsync(serving: false);
        Assert.Equal(ServingStatus.NotServing, await CheckAsync(client, string.Empty));
        Assert.Equal(ServingStatus.NotServing, await CheckAsync(client, service));

        await backend.SetHealthAsync(serving: false);
        await backend.SetHealthAsync(serving: true);
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client, string.Empty));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client, service));

        using var reply = await client.InvokeUnaryAsync(HealthCheck, new HealthCheckRequest().ToByteArray(), deadlineUtc: Deadline());
        Assert.Equal(["health-replica"], reply.ResponseHeaders.GetValues(ReplicaIdHeader));
    }

    [Theory]
    [InlineData(TaskService)]
    [InlineData(NodeEcho)]
    public async Task Health_watch_streams_the_status_and_every_change(string kind)
    {
        await using var backend = await StartAsync(kind, new BackendOptions());
        using var client = Client(backend);
        await using var watch = await StartWatchAsync(client, Calls.For(kind).ServiceName);

        Assert.Equal(ServingStatus.Serving, await NextStatusAsync(watch));
        Assert.Equal([backend.ReplicaId], (await watch.ResponseHeadersAsync).GetValues(ReplicaIdHeader));
        await backend.SetHealthAsync(serving: false);
        Assert.Equal(ServingStatus.NotServing, await NextStatusAsync(watch));
        await backend.SetHealthAsync(serving: true);
        Assert.Equal(ServingStatus.Serving, await NextStatusAsync(watch));
    }

    [Theory]
    [InlineData(TaskService)]
    [InlineData(NodeEcho)]
    public async Task Unknown_health_service_is_NOT_FOUND_for_check_and_SERVICE_UNKNOWN_for_watch(string kind)
    {
        await using var backend = await StartAsync(kind, new BackendOptions());
        using var client = Client(backend);

        using var reply = await client.InvokeUnaryAsync(HealthCheck, new HealthCheckRequest { Service = "no.such.Service" }.ToByteArray(), deadlineUtc: Deadline());
        Assert.Equal(GrpcStatusCode.NotFound, reply.Status.Code);
        Assert.Equal(kind == TaskService ? "unknown service no.such.Service" : "unknown service 'no.such.Service'", reply.Status.Message);
        Assert.Equal([backend.ReplicaId], reply.ResponseHeaders.GetValues(ReplicaIdHeader));

        await using var watch = await StartWatchAsync(client, "no.such.Service");
        Assert.Equal(ServingStatus.ServiceUnknown, await NextStatusAsync(watch));
    }

    [Theory]
    [InlineData(TaskService)]
    [InlineData(NodeEcho)]
    public async Task A_service_the_backend_does_not_serve_is_UNIMPLEMENTED(string kind)
    {
        await using var backend = await StartAsync(kind, new BackendOptions());
        using var client = Client(backend);

        using var reply = await client.InvokeUnaryAsync("/no.such.v1.Service/Method", Array.Empty<byte>(), deadlineUtc: Deadline());

        Assert.Equal(GrpcStatusCode.Unimplemented, reply.Status.Code);
    }

    [Fact]
    public async Task TaskService_fault_flags_still_work_next_to_the_replica_flags()
    {
        await using var backend = await StartAsync(TaskService, new BackendOptions
        {
            Host = "127.0.0.2",
            ReplicaId = "flaky",
            Arguments = ["--fail-first", "1", "--error-code", "RESOURCE_EXHAUSTED", "--latency-ms", "50"],
        });
        using var client = Client(backend);
        var request = new ListTasksRequest().ToByteArray();

        var started = TimeProvider.System.GetTimestamp();
        using (var failed = await client.InvokeUnaryAsync("/todo.v1.TaskService/ListTasks", request, deadlineUtc: Deadline()))
        {
            Assert.Equal(GrpcStatusCode.ResourceExhausted, failed.Status.Code);
            Assert.Equal(["flaky"], failed.ResponseHeaders.GetValues(ReplicaIdHeader));
        }

        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(45));
        using var succeeded = await client.InvokeUnaryAsync("/todo.v1.TaskService/ListTasks", request, deadlineUtc: Deadline());
        Assert.Equal(GrpcStatusCode.Ok, succeeded.Status.Code);
        Assert.Equal(["flaky"], succeeded.ResponseHeaders.GetValues(ReplicaIdHeader));
    }

    [Fact]
    public async Task Node_echo_latency_delays_echo_replies()
    {
        await using var backend = await StartAsync(NodeEcho, new BackendOptions { Arguments = ["--latency-ms", "200"] });
        using var client = Client(backend);

        var started = TimeProvider.System.GetTimestamp();
        using var echo = await client.InvokeUnaryAsync("/strait.echo.v1.EchoService/Echo", EchoRequest("slow"), deadlineUtc: Deadline());

        Assert.Equal(GrpcStatusCode.Ok, echo.Status.Code);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(190));
        using var cut = await client.InvokeUnaryAsync(
            "/strait.echo.v1.EchoService/Echo", EchoRequest("cut"), deadlineUtc: DateTime.UtcNow.AddMilliseconds(50));
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, cut.Status.Code);
    }

    private static Task<BackendProcess> StartAsync(string kind, BackendOptions options) =>
        kind == TaskService ? BackendProcess.StartTaskServiceAsync(options) : BackendProcess.StartNodeEchoAsync(options);

    private static GrpcClient Client(BackendProcess backend) => new(new Uri($"http://{backend.Address}"));

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    private static async Task<ServingStatus> CheckAsync(GrpcClient client, string service)
    {
        using var reply = await client.InvokeUnaryAsync(HealthCheck, new HealthCheckRequest { Service = service }.ToByteArray(), deadlineUtc: Deadline());
        Assert.True(reply.Status.Code == GrpcStatusCode.Ok, reply.Status.ToString());
        return HealthCheckResponse.Parser.ParseFrom(reply.Message.Span).Status;
    }

    private static async Task<GrpcCall> StartWatchAsync(GrpcClient client, string service)
    {
        var call = client.StartCall(HealthWatch, deadlineUtc: Deadline());
        Assert.True(await call.WriteMessageAsync(new HealthCheckRequest { Service = service }.ToByteArray()));
        await call.CompleteRequestAsync();
        return call;
    }

    private static async Task<ServingStatus> NextStatusAsync(GrpcCall watch)
    {
        Assert.True(await watch.MoveNextAsync(), watch.IsCompleted ? watch.GetStatus().ToString() : "no message");
        return HealthCheckResponse.Parser.ParseFrom(watch.Current.Span).Status;
    }

    /// <summary>An EchoRequest with only <c>id</c> (field 1) set; short ASCII ids only.</summary>
    private static byte[] EchoRequest(string id) => [0x0a, checked((byte)id.Length), .. Encoding.ASCII.GetBytes(id)];

    /// <summary>A FailRequest: <c>code</c> (field 1) and <c>message</c> (field 2); short ASCII messages only.</summary>
    private static byte[] FailRequest(GrpcStatusCode code, string message) =>
        [0x08, (byte)code, 0x12, checked((byte)message.Length), .. Encoding.ASCII.GetBytes(message)];

    /// <summary>A call that succeeds and one that fails, for each backend.</summary>
    private sealed record Calls(
        string ServiceName,
        string Success,
        byte[] SuccessRequest,
        string Failure,
        byte[] FailureRequest,
        Func<GrpcMetadata?> FailureHeaders,
        GrpcStatusCode FailureCode)
    {
        public static Calls For(string kind) => kind == TaskService
            ? new Calls(
                "todo.v1.TaskService",
                "/todo.v1.TaskService/ListTasks",
                new ListTasksRequest().ToByteArray(),
                "/todo.v1.TaskService/ListTasks",
                new ListTasksRequest().ToByteArray(),
                () => new GrpcMetadata { { "x-strait-demo-fail-code", "UNAVAILABLE" } },
                GrpcStatusCode.Unavailable)
            : new Calls(
                "strait.echo.v1.EchoService",
                "/strait.echo.v1.EchoService/Echo",
                EchoRequest("replica"),
                "/strait.echo.v1.EchoService/Fail",
                FailRequest(GrpcStatusCode.Unavailable, "down"),
                () => null,
                GrpcStatusCode.Unavailable);
    }
}
