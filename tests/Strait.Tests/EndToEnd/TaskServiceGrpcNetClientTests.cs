using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using CreateTaskRequest = Todo.V1.CreateTaskRequest;
using GetTaskRequest = Todo.V1.GetTaskRequest;
using TodoTask = Todo.V1.Task;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Grpc.Net.Client calling the demo backend (TaskService, on the sample's server host) through the gateway's HTTP/2
/// port, both in the test process. The test project compiles todo.proto without client stubs, so the methods are declared by hand, as
/// any client of a byte-level API may do.
/// </summary>
public sealed class TaskServiceGrpcNetClientTests : IAsyncLifetime
{
    private static readonly Method<CreateTaskRequest, TodoTask> CreateTask = new(
        MethodType.Unary, "todo.v1.TaskService", "CreateTask", Marshal(CreateTaskRequest.Parser), Marshal(TodoTask.Parser));

    private static readonly Method<GetTaskRequest, TodoTask> GetTask = new(
        MethodType.Unary, "todo.v1.TaskService", "GetTask", Marshal(GetTaskRequest.Parser), Marshal(TodoTask.Parser));

    private TaskServiceReplica? backend;
    private InProcessGateway? gateway;

    public async Task InitializeAsync()
    {
        backend = await TaskServiceReplica.StartAsync();
        gateway = await InProcessGateway.StartAsync($"""
            backend:
              addresses: ["{backend.Address}"]
              reflection: true
            http2Listen: http://127.0.0.1:0
            """);
    }

    public async Task DisposeAsync()
    {
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        if (backend is not null)
        {
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Unary_calls_create_and_read_a_task_with_the_backends_headers()
    {
        using var channel = GrpcChannel.ForAddress(gateway!.Http2Address!);
        var invoker = channel.CreateCallInvoker();

        using var create = invoker.AsyncUnaryCall(CreateTask, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)), new CreateTaskRequest { Task = new TodoTask { Title = "from grpc-dotnet" } });
        var created = await create.ResponseAsync;
        var fetched = await invoker.AsyncUnaryCall(GetTask, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)), new GetTaskRequest { Name = created.Name });

        Assert.Equal("from grpc-dotnet", fetched.Title);
        Assert.Equal(created, fetched);
        Assert.Equal(backend!.ReplicaId, (await create.ResponseHeadersAsync).GetValue("x-replica-id"));
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Over_grpc_web_unary_calls_create_and_read_a_task_with_the_backends_headers_and_trailers(GrpcWebMode mode)
    {
        using var channel = GrpcWebChannels.OverHttp11(gateway!, mode);
        var invoker = channel.CreateCallInvoker();
        var title = "from grpc-web " + mode;

        using var create = invoker.AsyncUnaryCall(CreateTask, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)), new CreateTaskRequest { Task = new TodoTask { Title = title } });
        var created = await create.ResponseAsync;
        var fetched = await invoker.AsyncUnaryCall(GetTask, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)), new GetTaskRequest { Name = created.Name });

        Assert.Equal(title, fetched.Title);
        Assert.Equal(created, fetched);
        Assert.Equal(backend!.ReplicaId, (await create.ResponseHeadersAsync).GetValue("x-replica-id"));
        Assert.Equal(StatusCode.OK, create.GetStatus().StatusCode);
    }

    [Fact]
    public async Task A_validation_error_arrives_with_its_bad_request_details()
    {
        using var channel = GrpcChannel.ForAddress(gateway!.Http2Address!);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(
            CreateTask, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)), new CreateTaskRequest { Task = new TodoTask { Title = string.Empty } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var status = Google.Rpc.Status.Parser.ParseFrom(error.Trailers.GetValueBytes("grpc-status-details-bin"));
        var badRequest = status.Details.Single(d => d.Is(BadRequest.Descriptor)).Unpack<BadRequest>();
        Assert.Equal("task.title", badRequest.FieldViolations.Single().Field);
    }

    private static Marshaller<T> Marshal<T>(MessageParser<T> parser)
        where T : IMessage<T> => Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
}
