using System.Text;
using Microsoft.Extensions.Logging;
using Strait.Observability;

namespace Strait.Tests.Observability;

public sealed class LineLoggerProviderTests
{
    [Fact]
    public void An_entry_is_one_line_in_the_console_layout()
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
    public void Line_breaks_in_messages_and_exceptions_become_spaces()
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
    public async Task Lines_reach_the_stream_without_waiting_for_disposal()
    {
        var output = new SignallingStream();
        using var provider = new LineLoggerProvider(output);

        provider.CreateLogger("Test").Log(LogLevel.Information, default, "soon", null, (s, _) => s);

        await output.Written.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("info: Test[0] soon", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stalled_stream_drops_lines_past_the_limit_and_says_so()
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

    [Fact]
    public void Repeated_warnings_are_capped_per_category_and_event_and_the_rest_summarized()
    {
        var output = new MemoryStream();
        using (var provider = new LineLoggerProvider(output))
        {
            var logger = provider.CreateLogger("Test");
            for (var i = 0; i < 100; i++)
            {
                logger.Log(LogLevel.Error, new EventId(13), "broken " + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, (s, _) => s);
                logger.Log(LogLevel.Information, new EventId(1), "access " + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, (s, _) => s);
            }

            logger.Log(LogLevel.Error, new EventId(14), "another event", null, (s, _) => s);
        }

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(RepeatedLineLimiter.LinesPerWindow, lines.Count(l => l.Contains("fail: Test[13] broken", StringComparison.Ordinal)));
        Assert.Equal(100, lines.Count(l => l.Contains("info: Test[1] access", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("fail: Test[14] another event", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains($"Test[13]: {100 - RepeatedLineLimiter.LinesPerWindow} similar lines suppressed", StringComparison.Ordinal));
    }

    [Fact]
    public void The_limiter_opens_again_after_its_window()
    {
        var limiter = new RepeatedLineLimiter();
        var start = TimeSpan.FromHours(1).Ticks;
        for (var i = 0; i < RepeatedLineLimiter.LinesPerWindow; i++)
        {
            Assert.True(limiter.Admit("C", 1, start));
        }

        Assert.False(limiter.Admit("C", 1, start + 1));
        Assert.False(limiter.Admit("C", 1, start + 2));
        Assert.True(limiter.Admit("C", 2, start + 2));
        Assert.Empty(limiter.TakeSummaries(start + 3));

        var later = start + RepeatedLineLimiter.Window.Ticks;
        Assert.Equal([("C", 1, 2L)], limiter.TakeSummaries(later));
        Assert.True(limiter.Admit("C", 1, later));
        Assert.Empty(limiter.TakeSummaries(later + RepeatedLineLimiter.Window.Ticks));
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel.Http2")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel.Connections")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel.BadRequests")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel", 67)]
    public void WhatAClientCanTriggerInKestrelIsDebugAndShownOnlyWhenDebugIsOn(string category, int eventId = 60)
    {
        var quiet = new MemoryStream();
        using (var provider = new LineLoggerProvider(quiet))
        {
            for (var i = 0; i < 93; i++)
            {
                provider.CreateLogger(category).Log(LogLevel.Critical, new EventId(eventId), "The client flooded the connection", null, (s, _) => s);
            }
        }

        Assert.Empty(quiet.ToArray());

        var verbose = new MemoryStream();
        using (var provider = new LineLoggerProvider(verbose, clientFaultsVisible: true))
        {
            provider.CreateLogger(category).Log(LogLevel.Critical, new EventId(eventId), "The client flooded the connection", null, (s, _) => s);
        }

        Assert.Contains($"dbug: {category}[{eventId}] The client flooded the connection", Encoding.UTF8.GetString(verbose.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_ended_by_a_pipe_left_mid_read_is_the_client_cutting_its_upload_short_but_other_abnormal_ends_stay_warnings()
    {
        var output = new MemoryStream();
        using (var provider = new LineLoggerProvider(output))
        {
            var kestrel = provider.CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
            kestrel.Log(LogLevel.Warning, new EventId(0), "Connection processing ended abnormally.", PipeLeftMidRead(), (s, _) => s);
            kestrel.Log(LogLevel.Warning, new EventId(0), "Connection processing ended abnormally.", new InvalidOperationException("a fault of the gateway's own"), (s, _) => s);
        }

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("a fault of the gateway's own", Assert.Single(lines), StringComparison.Ordinal);
    }

    // What Kestrel's connection loop meets when a failed body read left its input pipe marked as being read.
    private static InvalidOperationException PipeLeftMidRead()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        System.Buffers.BuffersExtensions.Write(pipe.Writer, "x"u8);
        _ = pipe.Writer.FlushAsync();
        _ = pipe.Reader.TryRead(out _);
        try
        {
            _ = pipe.Reader.ReadAsync();
        }
        catch (InvalidOperationException e)
        {
            return e;
        }

        throw new InvalidOperationException("a second read of a pipe was expected to fail");
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
