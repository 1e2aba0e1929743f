using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Strait.Hosting;

namespace Strait.Benchmarks;

/// <summary>
/// What the HTTP/2 preface detection adds to a new cleartext connection: the protocol's first read of the request's
/// bytes (the baseline, as Kestrel does it without detection), against detection and then that read, with the bytes
/// already there or arriving while detection waits. Each operation is a new connection's pipes.
/// </summary>
[MemoryDiagnoser]
public class PrefaceDetectionBenchmarks
{
    private static readonly byte[] Request = "GET /v1/tasks/abc HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"u8.ToArray();
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\u0004\0\0\0\0\0"u8.ToArray();
    private static readonly PipeOptions Inline = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
    private readonly KestrelServerLimits limits = new();

    [Benchmark(Baseline = true)]
    public async Task<long> FirstRead()
    {
        var (connection, client) = Connect();
        await client.WriteAsync(Request);
        return await ReadAsync(connection);
    }

    [Benchmark]
    public async Task<long> DetectHttp11ThenFirstRead()
    {
        var (connection, client) = Connect();
        await client.WriteAsync(Request);
        await PrefaceRouter.DetectAsync(connection, limits);
        return await ReadAsync(connection);
    }

    [Benchmark]
    public async Task<long> DetectPrefaceThenFirstRead()
    {
        var (connection, client) = Connect();
        await client.WriteAsync(Preface);
        await PrefaceRouter.DetectAsync(connection, limits);
        return await ReadAsync(connection);
    }

    [Benchmark]
    public async Task<long> FirstReadWaiting()
    {
        var (connection, client) = Connect();
        var read = ReadAsync(connection);
        await client.WriteAsync(Request);
        return await read;
    }

    [Benchmark]
    public async Task<long> DetectHttp11WaitingThenFirstRead()
    {
        var (connection, client) = Connect();
        var detection = PrefaceRouter.DetectAsync(connection, limits);
        await client.WriteAsync(Request);
        await detection;
        return await ReadAsync(connection);
    }

    private static (ConnectionContext Connection, PipeWriter Client) Connect()
    {
        var fromClient = new Pipe(Inline);
        var toClient = new Pipe(Inline);
        return (new DefaultConnectionContext("bench", new Duplex(fromClient.Reader, toClient.Writer), new Duplex(toClient.Reader, fromClient.Writer)), fromClient.Writer);
    }

    private static async Task<long> ReadAsync(ConnectionContext connection)
    {
        var result = await connection.Transport.Input.ReadAsync();
        var length = result.Buffer.Length;
        connection.Transport.Input.AdvanceTo(result.Buffer.End);
        return length;
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
