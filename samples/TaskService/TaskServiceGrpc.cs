using System.Globalization;
using Google.Protobuf;
using Strait.Wire;
using Todo.V1;

namespace Strait.Samples.TaskService;

/// <summary>Exposes <see cref="InMemoryTaskService"/> as the gRPC service <c>todo.v1.TaskService</c> on Strait's server host.</summary>
internal static class TaskServiceGrpc
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
            .AddUnary("CreateTask", CreateTaskRequest.Parser, Handle<CreateTaskRequest, Todo.V1.Task>("CreateTask", service.CreateTaskAsync, service.Journal, replicaId))
            .AddUnary("GetTask", GetTaskRequest.Parser, Handle<GetTaskRequest, Todo.V1.Task>("GetTask", service.GetTaskAsync, service.Journal, replicaId))
            .AddUnary("ListTasks", ListTasksRequest.Parser, Handle<ListTasksRequest, ListTasksResponse>("ListTasks", service.ListTasksAsync, service.Journal, replicaId))
            .AddUnary("UpdateTask", UpdateTaskRequest.Parser, Handle<UpdateTaskRequest, Todo.V1.Task>("UpdateTask", service.UpdateTaskAsync, service.Journal, replicaId))
            .AddUnary("DeleteTask", DeleteTaskRequest.Parser, Handle<DeleteTaskRequest, DeleteTaskResponse>("DeleteTask", service.DeleteTaskAsync, service.Journal, replicaId))
            .AddUnary("BatchCreateTasks", BatchCreateTasksRequest.Parser, Handle<BatchCreateTasksRequest, BatchCreateTasksResponse>("BatchCreateTasks", service.BatchCreateTasksAsync, service.Journal, replicaId));

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
        string method,
        Func<TRequest, CallerInfo, CancellationToken, Task<TResponse>> operation,
        CallJournal journal,
        string? replicaId)
        where TResponse : IMessage<TResponse> =>
        async (request, context) =>
        {
            journal.CallStarted(method, context);
            var caller = CallerInfo.FromHeaders(TextHeaders(context.RequestHeaders));
            var code = GrpcStatusCode.Unknown;
            try
            {
                await SendReplicaIdAsync(context, replicaId).ConfigureAwait(false);
                var response = await operation(request, caller, context.CancellationToken).ConfigureAwait(false);
                code = GrpcStatusCode.Ok;
                return response;
            }
            catch (TaskServiceException e)
            {
                code = (GrpcStatusCode)e.Status.Code;
                throw new GrpcException(new GrpcStatus(code, e.Status.Message, e.Status));
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                // The host answers DEADLINE_EXCEEDED when the deadline ended the call and CANCELLED when the caller
                // did; a gateway whose own deadline is a moment later must see the former.
                code = GrpcStatusCode.Cancelled;
                throw;
            }
            finally
            {
                journal.CallEnded(method, code, context);
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
