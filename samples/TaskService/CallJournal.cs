using System.Globalization;
using Strait.Wire;

namespace Strait.Samples.TaskService;

/// <summary>
/// Counts the calls a backend receives and, when <see cref="Log"/> is set, writes one line as each starts and ends,
/// so that resilience tests can see from outside what reached the backend: how many attempts, with what deadline,
/// and which were cancelled. Safe for concurrent calls.
/// </summary>
internal sealed class CallJournal
{
    private long started;
    private long succeeded;

    /// <summary>Receives <c>CALL</c> and <c>END</c> lines; null writes nothing.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Calls that reached a handler.</summary>
    public long Started => Interlocked.Read(ref started);

    /// <summary>Calls answered OK: the ones whose effect happened.</summary>
    public long Succeeded => Interlocked.Read(ref succeeded);

    /// <summary>
    /// <c>CALL METHOD deadline-ms=N|none attempt=N request-id=ID idempotency-key=KEY|-</c>: the deadline left on
    /// arrival and <c>grpc-previous-rpc-attempts</c>.
    /// </summary>
    internal void CallStarted(string method, ServerCallContext context)
    {
        Interlocked.Increment(ref started);
        if (Log is not { } log)
        {
            return;
        }

        var deadline = context.Deadline == DateTime.MaxValue
            ? "none"
            : ((long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        log(string.Create(CultureInfo.InvariantCulture, $"CALL {method} deadline-ms={deadline} attempt={PreviousAttempts(context)} request-id={Header(context, "x-request-id")} idempotency-key={Header(context, "idempotency-key")}"));
    }

    // A reserved header, so not in the call's metadata. The request may already be gone when a call arrives late.
    private static string PreviousAttempts(ServerCallContext context)
    {
        try
        {
            return context.HttpContext.Request.Headers.TryGetValue("grpc-previous-rpc-attempts", out var previous) ? previous.ToString() : "0";
        }
        catch (ObjectDisposedException)
        {
            return "?";
        }
    }

    /// <summary><c>END METHOD CODE request-id=ID</c>.</summary>
    internal void CallEnded(string method, GrpcStatusCode code, ServerCallContext context)
    {
        if (code == GrpcStatusCode.Ok)
        {
            Interlocked.Increment(ref succeeded);
        }

        Log?.Invoke($"END {method} {code.ToCanonicalName()} request-id={Header(context, "x-request-id")}");
    }

    private static string Header(ServerCallContext context, string key) =>
        context.RequestHeaders.TryGetValue(key, out var value) ? value : "-";
}
