using System.Text;

namespace Strait.Tests.Support;

/// <summary>
/// Output lines kept as they arrive, with waits for a line that matches: a child process's stdout and stderr, an
/// in-process gateway's log, an in-process backend's call journal. Safe for concurrent writers and waiters.
/// </summary>
internal sealed class LineLog
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder text = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Line)> waiters = [];
    private string? ended;

    /// <summary>Every line so far, each followed by a newline.</summary>
    public string Text
    {
        get
        {
            lock (text)
            {
                return text.ToString();
            }
        }
    }

    public void Add(string line)
    {
        lock (text)
        {
            text.Append(line).Append('\n');
            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                if (waiters[i].Match(line))
                {
                    waiters[i].Line.TrySetResult(line);
                    waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>No more lines will come (the process exited): waits fail from now on with <paramref name="reason"/> and the lines so far.</summary>
    public void End(string reason)
    {
        lock (text)
        {
            ended = reason;
            foreach (var (_, line) in waiters)
            {
                line.TrySetException(new InvalidOperationException($"{reason}:\n{text}"));
            }

            waiters.Clear();
        }
    }

    /// <summary>
    /// Waits for the first line that satisfies <paramref name="match"/>; fails with the lines so far when the log ends
    /// or after a minute. With <paramref name="includeEarlierLines"/> false only lines added from now on count; it is
    /// watching when this returns, so start it before causing the line.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, bool includeEarlierLines = true)
    {
        var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (text)
        {
            foreach (var line in includeEarlierLines ? text.ToString().Split('\n') : [])
            {
                if (match(line))
                {
                    return line;
                }
            }

            if (ended is not null)
            {
                throw new InvalidOperationException($"{ended}:\n{text}");
            }

            waiters.Add((match, waiter));
        }

        using var timeout = new CancellationTokenSource(WaitTimeout);
        await using (timeout.Token.Register(() => waiter.TrySetException(new TimeoutException($"no matching line within {WaitTimeout}:\n{Text}"))))
        {
            return await waiter.Task;
        }
    }

    /// <summary>Lines so far that start with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<string> Lines(string prefix) =>
        [.. Text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(prefix, StringComparison.Ordinal))];
}
