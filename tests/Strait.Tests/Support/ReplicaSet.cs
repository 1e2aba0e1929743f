using System.Globalization;

namespace Strait.Tests.Support;

/// <summary>Backend replicas as processes, each answering with its own <c>x-replica-id</c>; stopped together.</summary>
internal sealed class ReplicaSet : IAsyncDisposable
{
    private readonly List<BackendProcess> replicas;
    private readonly HashSet<BackendProcess> stopped = [];

    private ReplicaSet(List<BackendProcess> replicas) => this.replicas = replicas;

    public IReadOnlyList<BackendProcess> Replicas => replicas;

    public BackendProcess this[int index] => replicas[index];

    public IEnumerable<string> Addresses => replicas.Select(r => r.Address);

    /// <summary>Starts replicas <c>r0</c>…; <paramref name="configure"/> may change the options of replica i.</summary>
    public static async Task<ReplicaSet> StartAsync(int count, bool node = false, Func<int, BackendOptions, BackendOptions>? configure = null)
    {
        var starts = Enumerable.Range(0, count).Select(i =>
        {
            var options = new BackendOptions { ReplicaId = "r" + i.ToString(CultureInfo.InvariantCulture) };
            options = configure?.Invoke(i, options) ?? options;
            return node ? BackendProcess.StartNodeEchoAsync(options) : BackendProcess.StartTaskServiceAsync(options);
        }).ToList();
        try
        {
            return new ReplicaSet([.. await Task.WhenAll(starts)]);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Starts one more replica (for scale-out) and owns it from now on.</summary>
    public async Task<BackendProcess> AddAsync(BackendOptions options)
    {
        var replica = await BackendProcess.StartTaskServiceAsync(options);
        replicas.Add(replica);
        return replica;
    }

    /// <summary>Kills replica <paramref name="index"/> (SIGKILL: no goodbye to its connections).</summary>
    public async Task KillAsync(int index)
    {
        if (stopped.Add(replicas[index]))
        {
            await replicas[index].DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in replicas)
        {
            if (stopped.Add(replica))
            {
                await replica.DisposeAsync();
            }
        }
    }
}
