using System.Collections.Concurrent;
using Strait.Interop.V1;

namespace Strait.Samples.GrpcDotnetBackend;

/// <summary>The last known state of every <c>Delay</c> call, by id, for <c>GetCall</c>.</summary>
internal sealed class CallJournal
{
    private readonly ConcurrentDictionary<string, CallRecord> records = new(StringComparer.Ordinal);

    public void Record(string id, CallRecord.Types.State state, long deadlineMs) =>
        records[id] = new CallRecord { Id = id, State = state, DeadlineMs = deadlineMs };

    /// <summary>Records are replaced, never changed, so the one returned can be sent as it is.</summary>
    public CallRecord? Find(string id) => records.GetValueOrDefault(id);
}
