using System.Diagnostics;

namespace Strait.Tests.Support;

/// <summary>
/// A process started by a test: output is drained continuously (a full pipe would block the child), stdin is a
/// pipe (children that watch it exit when the test process dies), and disposal kills the whole process tree.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly LineLog output = new();

    private ChildProcess(Process process) => this.process = process;

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string Output => output.Text;

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => child.output.End($"process exited with {process.ExitCode}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Waits for the first output line that satisfies <paramref name="match"/>; fails with the output so far on exit or timeout.
    /// With <paramref name="includeEarlierOutput"/> false only lines printed from now on count; it is watching when this
    /// returns, so start it before causing the line (e.g. with <see cref="WriteLineAsync"/>).
    /// </summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, bool includeEarlierOutput = true) =>
        output.WaitForLineAsync(match, includeEarlierOutput);

    /// <summary>Writes <paramref name="line"/> and a newline to the child's stdin, flushed. One write at a time.</summary>
    public async Task WriteLineAsync(string line)
    {
        var input = process.StandardInput;
        await input.WriteAsync(line + "\n");
        await input.FlushAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            output.Add(line);
        }
    }
}
