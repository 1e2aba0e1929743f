using System.Globalization;

namespace Strait.Tests.Support;

/// <summary>Samples a process's resident set size (VmRSS) every 50 ms and keeps the peak.</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly int processId;
    private readonly Timer timer;
    private long peak;

    public MemorySampler(int processId)
    {
        this.processId = processId;
        timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
    }

    public long Peak
    {
        get
        {
            Sample();
            return Interlocked.Read(ref peak);
        }
    }

    public void Dispose() => timer.Dispose();

    private void Sample()
    {
        string? line;
        try
        {
            line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            // The process is gone (a test that may crash it says so itself); the peak stays as sampled.
            return;
        }

        if (line is null)
        {
            return;
        }

        var kilobytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        var bytes = kilobytes * 1024;
        long current;
        while (bytes > (current = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, bytes, current) != current)
        {
        }
    }
}
