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
/// </summary>
public sealed class LineLoggerProvider : ILoggerProvider
{
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(10);

    // A write of at most PIPE_BUF bytes to a pipe is atomic, so lines stay whole beside other writers of the stream.
    private const int AtomicWriteBytes = 4096;

    private readonly Stream output;
    private readonly int maxPendingBytes;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim pendingSignal = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task writing;
    private ArrayBufferWriter<byte> pending = new(16 * 1024);
    private ArrayBufferWriter<byte> spare = new(16 * 1024);
    private long dropped;

    public LineLoggerProvider(Stream output, int maxPendingBytes = 4 * 1024 * 1024)
    {
        this.output = output;
        this.maxPendingBytes = maxPendingBytes;
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
        var maxLength = 32 + Encoding.UTF8.GetMaxByteCount(category.Length + message.Length + 16);
        var exceptionText = exception?.ToString();
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
                await pendingSignal.WaitAsync(stop).ConfigureAwait(false);
                await Task.Delay(BatchDelay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await WritePendingAsync().ConfigureAwait(false);
        }

        await WritePendingAsync().ConfigureAwait(false);
    }

    private async Task WritePendingAsync()
    {
        ArrayBufferWriter<byte> batch;
        long droppedNow;
        lock (gate)
        {
            batch = pending;
            pending = spare;
            spare = batch;
            droppedNow = dropped;
            dropped = 0;
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
