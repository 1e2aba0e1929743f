using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using RpcStatus = Google.Rpc.Status;

namespace Strait.Samples.TaskService;

/// <summary>
/// Builds the service's failures in the AIP-193 shape: a stable message, then the most specific detail first
/// (BadRequest, PreconditionFailure, ResourceInfo or RetryInfo), always followed by an <c>ErrorInfo</c>.
/// </summary>
internal static class TaskErrors
{
    public const string Domain = "todo.example.com";
    private const string TaskResourceType = "todo.example.com/Task";

    /// <summary>How long clients should wait after an injected <c>UNAVAILABLE</c>.</summary>
    public static readonly TimeSpan UnavailableRetryDelay = TimeSpan.FromSeconds(30);

    public static TaskServiceException InvalidArgument(
        IReadOnlyCollection<BadRequest.Types.FieldViolation> violations,
        IDictionary<string, string> reasonsByField)
    {
        var noun = violations.Count == 1 ? "error" : "errors";
        var badRequest = new BadRequest { FieldViolations = { violations } };
        var errorInfo = NewErrorInfo("VALIDATION_FAILED");
        errorInfo.Metadata.Add(reasonsByField);
        return Failure(Code.InvalidArgument, $"The request contains {violations.Count} validation {noun}", badRequest, errorInfo);
    }

    public static TaskServiceException NotFound(string id)
    {
        var name = TaskName.Format(id);
        var resource = new ResourceInfo { ResourceType = TaskResourceType, ResourceName = name };
        var errorInfo = NewErrorInfo("TASK_NOT_FOUND");
        errorInfo.Metadata.Add("name", name);
        return Failure(Code.NotFound, $"Task with ID '{id}' was not found.", resource, errorInfo);
    }

    public static TaskServiceException DuplicateTitle(string title)
    {
        var errorInfo = NewErrorInfo("DUPLICATE_TITLE");
        errorInfo.Metadata.Add("title", title);
        return Failure(Code.AlreadyExists, "Conflict creating task: A task with this title already exists", errorInfo);
    }

    public static TaskServiceException InvalidTransition(string taskName, Todo.V1.Status from, Todo.V1.Status to)
    {
        var transition = $"cannot move from {TaskEnumNames.ShortName(from)} to {TaskEnumNames.ShortName(to)}";
        var precondition = new PreconditionFailure
        {
            Violations =
            {
                new PreconditionFailure.Types.Violation { Type = "STATUS_TRANSITION", Subject = taskName, Description = transition },
            },
        };
        var errorInfo = NewErrorInfo("INVALID_STATUS_TRANSITION");
        errorInfo.Metadata.Add("from", TaskEnumNames.ShortName(from));
        errorInfo.Metadata.Add("to", TaskEnumNames.ShortName(to));
        return Failure(Code.FailedPrecondition, $"The task {transition}.", precondition, errorInfo);
    }

    /// <param name="withRetryInfo">Whether UNAVAILABLE carries RetryInfo (<see cref="UnavailableRetryDelay"/>), as the demo's faults do.</param>
    public static TaskServiceException InjectedFault(Code code, string source, bool withRetryInfo = true)
    {
        var errorInfo = NewErrorInfo("INJECTED_FAULT");
        errorInfo.Metadata.Add("source", source);
        var message = $"Injected fault ({source}): {RpcCodes.Name(code)}";
        return code == Code.Unavailable && withRetryInfo
            ? Failure(code, message, new RetryInfo { RetryDelay = Duration.FromTimeSpan(UnavailableRetryDelay) }, errorInfo)
            : Failure(code, message, errorInfo);
    }

    /// <summary>A malformed fault-injection header; it is metadata, not a request field, so there is no BadRequest.</summary>
    public static TaskServiceException InvalidFaultHeader(string header, string problem)
    {
        var errorInfo = NewErrorInfo("INVALID_FAULT_HEADER");
        errorInfo.Metadata.Add("header", header);
        return Failure(Code.InvalidArgument, $"Header {header} {problem}", errorInfo);
    }

    // Google.Api.CommonProtos 2.0.0 predates the rename of ErrorInfo field 1 from `type` to `reason`; the wire format is the same.
    private static ErrorInfo NewErrorInfo(string reason) => new() { Type = reason, Domain = Domain };

    private static TaskServiceException Failure(Code code, string message, params Google.Protobuf.IMessage[] details)
    {
        var status = new RpcStatus { Code = (int)code, Message = message };
        status.Details.AddRange(details.Select(Any.Pack));
        return new TaskServiceException(status);
    }
}
