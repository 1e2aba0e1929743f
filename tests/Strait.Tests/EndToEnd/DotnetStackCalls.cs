using Google.Rpc;
using Grpc.Core;
using Strait.Interop.V1;
using Status = Google.Rpc.Status;

namespace Strait.Tests.EndToEnd;

/// <summary>Requests and checks that the native gRPC and grpc-web tests of the Grpc.AspNetCore backend share.</summary>
internal static class DotnetStackCalls
{
    public const string FailureMessage = "the task is not valid: ünïcode & 100%";

    public static DateTime Deadline() => DateTime.UtcNow.AddSeconds(20);

    /// <summary>INVALID_ARGUMENT with a BadRequest, an ErrorInfo and a RetryInfo.</summary>
    public static FailWithDetailsRequest Failure(bool headersFirst) => new()
    {
        Code = (int)StatusCode.InvalidArgument,
        Message = FailureMessage,
        Violations = { new FieldViolation { Field = "task.title", Description = "must not be empty" }, new FieldViolation { Field = "task.due", Description = "in the past" } },
        Reason = "VALIDATION_FAILED",
        Domain = "interop.example.com",
        Metadata = { ["task.title"] = "TOO_SHORT" },
        RetryDelayMs = 1500,
        HeadersFirst = headersFirst,
    };

    /// <summary>
    /// The google.rpc.Status of <see cref="Failure"/>, read from <c>grpc-status-details-bin</c> as Grpc.StatusProto's
    /// <c>GetRpcStatus()</c> does (that package would raise Google.Protobuf for the whole test project).
    /// </summary>
    public static void AssertFailureDetails(RpcException error)
    {
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(FailureMessage, error.Status.Detail);
        var bytes = error.Trailers.GetValueBytes("grpc-status-details-bin");
        Assert.NotNull(bytes);
        var status = Status.Parser.ParseFrom(bytes);
        Assert.Equal(((int)StatusCode.InvalidArgument, FailureMessage), (status.Code, status.Message));
        Assert.Equal(3, status.Details.Count);
        var badRequest = status.Details[0].Unpack<BadRequest>();
        Assert.Equal(["task.title: must not be empty", "task.due: in the past"], badRequest.FieldViolations.Select(v => v.Field + ": " + v.Description));
        // Field 1 of ErrorInfo is `type` in the Google.Api.CommonProtos Strait bundles, `reason` in the backend's.
        var info = status.Details[1].Unpack<ErrorInfo>();
        Assert.Equal(("VALIDATION_FAILED", "interop.example.com", "TOO_SHORT"), (info.Type, info.Domain, info.Metadata["task.title"]));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), status.Details[2].Unpack<RetryInfo>().RetryDelay.ToTimeSpan());
    }

    /// <summary>Asks the backend, through <paramref name="client"/>, until the Delay call <paramref name="id"/> is in <paramref name="state"/>.</summary>
    public static async Task<CallRecord> WaitForCallAsync(InteropService.InteropServiceClient client, string id, CallRecord.Types.State state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            CallRecord? record = null;
            try
            {
                record = await client.GetCallAsync(new GetCallRequest { Id = id }, deadline: Deadline());
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // Not arrived yet.
            }

            if (record?.State == state)
            {
                return record;
            }

            Assert.True(DateTime.UtcNow < deadline, $"call {id} is {record?.State.ToString() ?? "unknown"}, not {state}, after 5 s");
            await Task.Delay(20);
        }
    }

    public static async Task<List<T>> ReadAllAsync<T>(IAsyncStreamReader<T> reader)
    {
        var messages = new List<T>();
        while (await reader.MoveNext(CancellationToken.None))
        {
            messages.Add(reader.Current);
        }

        return messages;
    }
}
