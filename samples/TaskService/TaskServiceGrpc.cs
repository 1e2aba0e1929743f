using Google.Protobuf;
using Strait.Wire;
using Todo.V1;

namespace Strait.Samples.TaskService;

/// <summary>Exposes <see cref="InMemoryTaskService"/> as the gRPC service <c>todo.v1.TaskService</c> on Strait's server host.</summary>
public static class TaskServiceGrpc
{
    public const string ServiceName = "todo.v1.TaskService";

    public static GrpcServiceDefinition Define(InMemoryTaskService service) =>
        new GrpcServiceDefinition(ServiceName)
            .AddUnary("CreateTask", CreateTaskRequest.Parser, Handle<CreateTaskRequest, Todo.V1.Task>(service.CreateTaskAsync))
            .AddUnary("GetTask", GetTaskRequest.Parser, Handle<GetTaskRequest, Todo.V1.Task>(service.GetTaskAsync))
            .AddUnary("ListTasks", ListTasksRequest.Parser, Handle<ListTasksRequest, ListTasksResponse>(service.ListTasksAsync))
            .AddUnary("UpdateTask", UpdateTaskRequest.Parser, Handle<UpdateTaskRequest, Todo.V1.Task>(service.UpdateTaskAsync))
            .AddUnary("DeleteTask", DeleteTaskRequest.Parser, Handle<DeleteTaskRequest, DeleteTaskResponse>(service.DeleteTaskAsync))
            .AddUnary("BatchCreateTasks", BatchCreateTasksRequest.Parser, Handle<BatchCreateTasksRequest, BatchCreateTasksResponse>(service.BatchCreateTasksAsync));

    private static Func<TRequest, ServerCallContext, Task<TResponse>> Handle<TRequest, TResponse>(
        Func<TRequest, CallerInfo, CancellationToken, Task<TResponse>> operation)
        where TResponse : IMessage<TResponse> =>
        async (request, context) =>
        {
            var caller = CallerInfo.FromHeaders(TextHeaders(context.RequestHeaders));
            try
            {
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
