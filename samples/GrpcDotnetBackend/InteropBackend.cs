using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Strait.Interop.V1;
using Status = Google.Rpc.Status;

namespace Strait.Samples.GrpcDotnetBackend;

/// <summary><c>strait.interop.v1.InteropService</c>: errors with google.rpc details, and delays whose end the backend records.</summary>
internal sealed class InteropBackend(CallJournal journal) : InteropService.InteropServiceBase
{
    public static string ServiceName => InteropService.Descriptor.FullName;

    public override async Task<Empty> FailWithDetails(FailWithDetailsRequest request, ServerCallContext context)
    {
        if (request.Code is < 1 or > 16)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"code {request.Code} is not a gRPC error code"));
        }

        var status = new Status { Code = request.Code, Message = request.Message };
        if (request.Violations.Count > 0)
        {
            var badRequest = new BadRequest();
            foreach (var violation in request.Violations)
            {
                badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = violation.Field, Description = violation.Description });
            }

            status.Details.Add(Any.Pack(badRequest));
        }

        if (request.Reason.Length > 0)
        {
            var info = new ErrorInfo { Reason = request.Reason, Domain = request.Domain };
            info.Metadata.Add(request.Metadata);
            status.Details.Add(Any.Pack(info));
        }

        if (request.RetryDelayMs > 0)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(request.RetryDelayMs)) }));
        }

        if (request.HeadersFirst)
        {
            await context.WriteResponseHeadersAsync([]).ConfigureAwait(false);
        }

        // Grpc.StatusProto: grpc-status and grpc-message from the status, the whole status in grpc-status-details-bin.
        throw status.ToRpcException();
    }

    public override async Task<DelayReply> Delay(DelayRequest request, ServerCallContext context)
    {
        var deadlineMs = context.Deadline == DateTime.MaxValue ? 0 : (long)Math.Ceiling((context.Deadline - DateTime.UtcNow).TotalMilliseconds);
        journal.Record(request.Id, CallRecord.Types.State.Running, deadlineMs);
        try
        {
            await Task.Delay(Math.Max(0, request.DelayMs), context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The server cancels the call's token both when the client resets the stream and when the deadline passes.
            journal.Record(request.Id, CallRecord.Types.State.Cancelled, deadlineMs);
            await Console.Out.WriteLineAsync("CANCELLED Delay " + request.Id).ConfigureAwait(false);
            throw;
        }

        journal.Record(request.Id, CallRecord.Types.State.Completed, deadlineMs);
        return new DelayReply { Id = request.Id, DeadlineMs = deadlineMs };
    }

    public override Task<CallRecord> GetCall(GetCallRequest request, ServerCallContext context) =>
        journal.Find(request.Id) is { } record
            ? Task.FromResult(record)
            : throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"no Delay call with id '{request.Id}'"));
}
