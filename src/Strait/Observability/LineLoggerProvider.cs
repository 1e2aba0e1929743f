using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Strait.Observability;

/// <summary>
/// Strait's log: one line per entry (<c>2026-12-01T10:00:00.000Z info: Category[id] message</c>, the layout of
/// the single-line console formatter), written to a stream in batches by one background loop. A request's access log
/// line then costs a format and a copy under a short lock, where the console logger cost a thread wake-up and a
/// write(2) per line — about 15 µs of a proxied call (docs/benchmarks.md). Lines wait at most
/// <see cref="BatchDelay"/>. When the stream does not take them (a stopped pipe reader), at most
/// <see cref="maxPendingBytes"/> wait and further lines are counted and reported as dropped, rather than blocking
/// requests or growing memory.
/// What a client can trigger at will must not flood the log: Kestrel's connection-level categories (bad requests,
/// HTTP/2 protocol errors and floods, transport resets) are written at debug level and only when debug is on, and
/// warnings and errors are capped per category and event id (<see cref="RepeatedLineLimiter"/>).
/// </summary>
internal sealed class LineLoggerProvider : ILoggerProvider
{
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(10);

    // A write of at most PIPE_BUF bytes to a pipe is atomic, so lines stay whole beside other writers of the stream.
    private const int AtomicWriteBytes = 4096;

    // Kestrel's "automatic draining of the request body failed because the body reader is in an invalid state".
    private const int KestrelDrainFailedEventId = 67;

    // Kestrel's "Connection processing ended abnormally", logged without an event id of its own.
    private const int KestrelConnectionEndedAbnormallyEventId = 0;

    private readonly Stream output;
    private readonly int maxPendingBytes;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim pendingSignal = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task writing;
    private readonly bool clientFaultsVisible;
    private readonly RepeatedLineLimiter limiter = new();
    private ArrayBufferWriter<byte> pending = new(16 * 1024);
    private ArrayBufferWriter<byte> spare = new(16 * 1024);
    private long dropped;

    /// <param name="clientFaultsVisible">Whether the client-triggered Kestrel entries, demoted to debug, are written (debug logging is on).</param>
    public LineLoggerProvider(Stream output, int maxPendingBytes = 4 * 1024 * 1024, bool clientFaultsVisible = false)
    {
        this.output = output;
        this.maxPendingBytes = maxPendingBytes;
        this.clientFaultsVisible = clientFaultsVisible;
        writing = Task.Run(WriteLoopAsync);
    }

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose()
    {
        stopping.Cancel();
        try
        {
            writing.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The stream failed; there is nowhere left to report it.
        }

        stopping.Dispose();
        pendingSignal.Dispose();
    }

    internal void Append(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var exceptionText = exception?.ToString();
        if (IsClientTriggered(category, eventId.Id, exception))
        {
            if (!clientFaultsVisible)
            {
                return;
            }

            level = LogLevel.Debug;
            exceptionText = exception?.Message;
        }

        var maxLength = 32 + Encoding.UTF8.GetMaxByteCount(category.Length + message.Length + 16);
        if (exceptionText is not null)
        {
            maxLength += Encoding.UTF8.GetMaxByteCount(exceptionText.Length + 1);
        }

        bool wasEmpty;
        lock (gate)
        {
            if (pending.WrittenCount + maxLength > maxPendingBytes)
            {
                dropped++;
                return;
            }

            if (level >= LogLevel.Warning && !limiter.Admit(category, eventId.Id, Environment.TickCount64 * TimeSpan.TicksPerMillisecond))
            {
                return;
            }

            wasEmpty = pending.WrittenCount == 0;
            var line = pending.GetSpan(maxLength);
            var length = Format(line, level, category, eventId, message, exceptionText);
            pending.Advance(length);
        }

        if (wasEmpty)
        {
            pendingSignal.Release();
        }
    }

    // Kestrel's categories for what one connection's client does: malformed requests, HTTP/2 and HTTP/3 protocol
    // errors (PING and SETTINGS floods among them), resets seen by the transport; and the two events of its general
    // category a client causes by cutting an upload short: draining a body whose read failed, and the connection's end
    // that follows (its input pipe is still marked as being read, so the next request cannot be read from it).
    private static bool IsClientTriggered(string category, int eventId, Exception? exception) =>
        (category.Equals("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal)
            && (eventId == KestrelDrainFailedEventId
                || (eventId == KestrelConnectionEndedAbnormallyEventId && exception is InvalidOperationException { Source: "System.IO.Pipelines" })))
        || (category.StartsWith("Microsoft.AspNetCore.Server.Kestrel.", StringComparison.Ordinal)
        && (category.EndsWith(".BadRequests", StringComparison.Ordinal)
            || category.EndsWith(".Connections", StringComparison.Ordinal)
            || category.EndsWith(".Http2", StringComparison.Ordinal)
            || category.EndsWith(".Http3", StringComparison.Ordinal)
            || category.StartsWith("Microsoft.AspNetCore.Server.Kestrel.Transport.", StringComparison.Ordinal)));

    private static int Format(Span<byte> line, LogLevel level, string category, EventId eventId, string message, string? exceptionText)
    {
        var now = DateTime.UtcNow;
        now.TryFormat(line, out var length, "yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);
        length += Copy("Z "u8, line[length..]);
        length += Copy(LevelName(level), line[length..]);
        length += Copy(": "u8, line[length..]);
        length += Encoding.UTF8.GetBytes(category, line[length..]);
        line[length++] = (byte)'[';
        Utf8Formatter.TryFormat(eventId.Id, line[length..], out var idLength);
        length += idLength;
        length += Copy("] "u8, line[length..]);
        length += WriteOneLine(message, line[length..]);
        if (exceptionText is not null)
        {
            line[length++] = (byte)' ';
            length += WriteOneLine(exceptionText, line[length..]);
        }

        line[length++] = (byte)'\n';
        return length;
    }

    // One entry is one line: embedded line breaks (stack traces, multi-line messages) become spaces.
    private static int WriteOneLine(string text, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetBytes(text, destination);
        destination[..length].Replace((byte)'\r', (byte)' ');
        destination[..length].Replace((byte)'\n', (byte)' ');
        return length;
    }

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        text.CopyTo(destination);
        return text.Length;
    }

    private static ReadOnlySpan<byte> LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce"u8,
        LogLevel.Debug => "dbug"u8,
        LogLevel.Information => "info"u8,
        LogLevel.Warning => "warn"u8,
        LogLevel.Error => "fail"u8,
        _ => "crit"u8,
    };

    private async Task WriteLoopAsync()
    {
        var stop = stopping.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Suppressed lines are summarized when their window ends, even if nothing else is logged by then.
                bool suppressing;
                lock (gate)
                {
                    suppressing = limiter.HasSuppressed;
                }

                _ = await pendingSignal.WaitAsync(suppressing ? RepeatedLineLimiter.Window : Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
                await Task.Delay(BatchDelay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await WritePendingAsync(closing: false).ConfigureAwait(false);
        }

        await WritePendingAsync(closing: true).ConfigureAwait(false);
    }

    private async Task WritePendingAsync(bool closing)
    {
        ArrayBufferWriter<byte> batch;
        long droppedNow;
        IReadOnlyList<(string Category, int EventId, long Suppressed)> summaries;
        lock (gate)
        {
            batch = pending;
            pending = spare;
            spare = batch;
            droppedNow = dropped;
            dropped = 0;
            summaries = closing ? limiter.TakeAllSummaries() : limiter.TakeSummaries(Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
        }

        try
        {
            var bytes = batch.WrittenMemory;
            while (!bytes.IsEmpty)
            {
                var chunk = ChunkAtLineEnd(bytes.Span);
                await output.WriteAsync(bytes[..chunk]).ConfigureAwait(false);
                bytes = bytes[chunk..];
            }

            if (droppedNow > 0)
            {
                var notice = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fff}Z warn: Strait.Log[0] {droppedNow} log lines were dropped: the output did not keep up\n");
                await output.WriteAsync(Encoding.UTF8.GetBytes(notice)).ConfigureAwait(false);
            }

            foreach (var (category, eventId, suppressed) in summaries)
            {
                var notice = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fff}Z warn: Strait.Log[0] {category}[{eventId}]: {suppressed} similar lines suppressed (at most {RepeatedLineLimiter.LinesPerWindow} per {RepeatedLineLimiter.Window.TotalSeconds:0} s)\n");
                await output.WriteAsync(Encoding.UTF8.GetBytes(notice)).ConfigureAwait(false);
            }

            await output.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Standard output is gone (its reader exited); the gateway keeps serving.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            batch.ResetWrittenCount();
        }
    }

    private static int ChunkAtLineEnd(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= AtomicWriteBytes)
        {
            return bytes.Length;
        }

        var lastBreak = bytes[..AtomicWriteBytes].LastIndexOf((byte)'\n');
        if (lastBreak >= 0)
        {
            return lastBreak + 1;
        }

        // One line longer than an atomic write goes out whole.
        var end = bytes.IndexOf((byte)'\n');
        return end < 0 ? bytes.Length : end + 1;
    }

    private sealed class LineLogger(LineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel != LogLevel.None)
            {
                provider.Append(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}
