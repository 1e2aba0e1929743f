using System.Globalization;
using Google.Protobuf;
using Strait.Wire;
using Todo.V1;

namespace Strait.Samples.TaskService;

/// <summary>Exposes <see cref="InMemoryTaskService"/> as the gRPC service <c>todo.v1.TaskService</c> on Strait's server host.</summary>
public static class TaskServiceGrpc
{
    public const string ServiceName = "todo.v1.TaskService";

    /// <summary>The response header that names the replica that answered.</summary>
    public const string ReplicaIdHeader = "x-replica-id";

    /// <summary>
    /// The service; every reply of every method carries the response header <c>x-replica-id</c>: <paramref name="replicaId"/>,
    /// or <c>taskservice-&lt;port&gt;</c> (the server's local port) when it is <see langword="null"/>. The headers are sent
    /// as soon as the handler starts, so failures are headers followed by trailers rather than Trailers-Only, and the id
    /// is in the initial metadata of errors too.
    /// </summary>
    public static GrpcServiceDefinition Define(InMemoryTaskService service, string? replicaId = null) =>
        new GrpcServiceDefinition(ServiceName)
            .AddUnary("CreateTask", CreateTaskRequest.Parser, Handle<CreateTaskRequest, Todo.V1.Task>(service.CreateTaskAsync, replicaId))
            .AddUnary("GetTask", GetTaskRequest.Parser, Handle<GetTaskRequest, Todo.V1.Task>(service.GetTaskAsync, replicaId))
            .AddUnary("ListTasks", ListTasksRequest.Parser, Handle<ListTasksRequest, ListTasksResponse>(service.ListTasksAsync, replicaId))
            .AddUnary("UpdateTask", UpdateTaskRequest.Parser, Handle<UpdateTaskRequest, Todo.V1.Task>(service.UpdateTaskAsync, replicaId))
            .AddUnary("DeleteTask", DeleteTaskRequest.Parser, Handle<DeleteTaskRequest, DeleteTaskResponse>(service.DeleteTaskAsync, replicaId))
            .AddUnary("BatchCreateTasks", BatchCreateTasksRequest.Parser, Handle<BatchCreateTasksRequest, BatchCreateTasksResponse>(service.BatchCreateTasksAsync, replicaId));

    /// <summary>The replica id a server on <paramref name="port"/> reports when none was given.</summary>
    public static string DefaultReplicaId(int port) => string.Create(CultureInfo.InvariantCulture, $"taskservice-{port}");

    /// <summary>Sends the response headers now, with <c>x-replica-id</c>.</summary>
    internal static System.Threading.Tasks.Task SendReplicaIdAsync(ServerCallContext context, string? replicaId)
    {
        var headers = new GrpcMetadata
        {
            { ReplicaIdHeader, replicaId ?? DefaultReplicaId(context.HttpContext.Connection.LocalPort) },
        };
        return context.WriteResponseHeadersAsync(headers);
    }

    private static Func<TRequest, ServerCallContext, Task<TResponse>> Handle<TRequest, TResponse>(
        Func<TRequest, CallerInfo, CancellationToken, Task<TResponse>> operation,
        string? replicaId)
        where TResponse : IMessage<TResponse> =>
        async (request, context) =>
        {
            var caller = CallerInfo.FromHeaders(TextHeaders(context.RequestHeaders));
            try
            {
                await SendReplicaIdAsync(context, replicaId).ConfigureAwait(false);
                return await operation(request, caller, context.CancellationToken).ConfigureAwait(false);
            }
            catch (TaskServiceException e)
            {
                throw new GrpcException(new GrpcStatus((GrpcStatusCode)e.Status.Code, e.Status.Message, e.Status));
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                throw new GrpcException(GrpcStatusCode.Cancelled, "The call was cancelled.");
            }
        };

    private static IEnumerable<KeyValuePair<string, string>> TextHeaders(GrpcMetadata metadata)
    {
        foreach (var entry in metadata)
        {
            if (!entry.IsBinary)
            {
                yield return new KeyValuePair<string, string>(entry.Key, entry.Value);
            }
        }
    }
}
