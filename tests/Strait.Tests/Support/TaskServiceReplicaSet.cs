using System.Globalization;
using Strait.Samples.TaskService;

namespace Strait.Tests.Support;

/// <summary>In-process TaskService replicas <c>r0</c>, <c>r1</c>…, each answering with its own <c>x-replica-id</c>; stopped together.</summary>
internal sealed class TaskServiceReplicaSet : IAsyncDisposable
{
    private readonly List<TaskServiceReplica> replicas;

    private TaskServiceReplicaSet(List<TaskServiceReplica> replicas) => this.replicas = replicas;

    public IReadOnlyList<TaskServiceReplica> Replicas => replicas;

    public TaskServiceReplica this[int index] => replicas[index];

    public IEnumerable<string> Addresses => replicas.Select(r => r.Address);

    /// <summary>Calls that reached any replica, and those answered OK.</summary>
    public (int Started, int Succeeded) Calls => (replicas.Sum(r => r.Calls.Started), replicas.Sum(r => r.Calls.Succeeded));

    /// <summary>Starts <paramref name="count"/> replicas; <paramref name="faults"/> may give replica i faults of its own.</summary>
    public static async Task<TaskServiceReplicaSet> StartAsync(int count, Func<int, FaultInjection?>? faults = null)
    {
        var started = new List<TaskServiceReplica>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                started.Add(await TaskServiceReplica.StartAsync("r" + i.ToString(CultureInfo.InvariantCulture), faults?.Invoke(i)));
            }
        }
        catch
        {
            foreach (var replica in started)
            {
                await replica.DisposeAsync();
            }

            throw;
        }

        return new TaskServiceReplicaSet(started);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
    }
}
