using System.Text;
using Microsoft.Extensions.Logging;
using Strait.Observability;

namespace Strait.Tests.Observability;

public sealed class LineLoggerProviderTests
{
    [Fact]
    public void AnEntryIsOneLineInTheConsoleLayout()
    {
        var output = new MemoryStream();
        using (var provider = new LineLoggerProvider(output))
        {
            provider.CreateLogger("Strait.Edge.Grpc.GrpcProxyEndpoint").Log(LogLevel.Information, new EventId(7), "grpc /a.B/C → OK in 1.2 ms", null, (s, _) => s);
        }

        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: Strait\.Edge\.Grpc\.GrpcProxyEndpoint\[7\] grpc /a\.B/C → OK in 1\.2 ms\n$", text);
    }

    [Fact]
    public void LineBreaksInMessagesAndExceptionsBecomeSpaces()
    {
        var output = new MemoryStream();
        using (var provider = new LineLoggerProvider(output))
        {
            var logger = provider.CreateLogger("Test");
            logger.Log(LogLevel.Error, default, "first\r\nsecond", new InvalidOperationException("broken\nagain"), (s, _) => s);
            logger.Log(LogLevel.Warning, default, "next", null, (s, _) => s);
        }

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Contains("fail: Test[0] first  second System.InvalidOperationException: broken again", lines[0], StringComparison.Ordinal);
        Assert.Contains("warn: Test[0] next", lines[1], StringComparison.Ordinal);
        Assert.Equal(string.Empty, lines[2]);
    }

    [Fact]
    public async Task LinesReachTheStreamWithoutWaitingForDisposal()
    {
        var output = new SignallingStream();
        using var provider = new LineLoggerProvider(output);

        provider.CreateLogger("Test").Log(LogLevel.Information, default, "soon", null, (s, _) => s);

        await output.Written.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("info: Test[0] soon", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AStalledStreamDropsLinesPastTheLimitAndSaysSo()
    {
        var output = new SignallingStream { Stalled = new ManualResetEventSlim(false) };
        var provider = new LineLoggerProvider(output, maxPendingBytes: 4096);
        var logger = provider.CreateLogger("Test");
        logger.Log(LogLevel.Information, default, "taken", null, (s, _) => s);
        Assert.True(output.Entered.Wait(TimeSpan.FromSeconds(10)), "the first batch was not written");

        for (var i = 0; i < 200; i++)
        {
            logger.Log(LogLevel.Information, default, "line " + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, (s, _) => s);
        }

        output.Stalled.Set();
        provider.Dispose();

        var text = output.Text;
        Assert.Contains("line 0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("line 199\n", text, StringComparison.Ordinal);
        Assert.Matches(@"warn: Strait\.Log\[0\] \d+ log lines were dropped", text);
    }

    private sealed class SignallingStream : MemoryStream
    {
        private readonly Lock gate = new();

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Entered { get; } = new(false);

        public ManualResetEventSlim? Stalled { get; init; }

        public string Text
        {
            get
            {
                lock (gate)
                {
                    return Encoding.UTF8.GetString(ToArray());
                }
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Entered.Set();
            Stalled?.Wait(TimeSpan.FromSeconds(10), CancellationToken.None);
            lock (gate)
            {
                base.Write(buffer.Span);
            }

            Written.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
