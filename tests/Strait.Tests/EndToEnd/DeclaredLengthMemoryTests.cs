using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Strait.Echo.V1;
using Strait.Wire;
using Xunit.Abstractions;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// Frame headers that declare a large message and never send it, by the hundred, over grpc-web (HTTP/1.1) and native
/// gRPC (h2c), to a gateway whose GC heap is capped as in a memory-limited container: the declared lengths must not
/// turn into memory. The calls that fit the receive budget wait for their bytes, the rest are refused with
/// RESOURCE_EXHAUSTED, and the gateway lives on and answers.
/// </summary>
[Collection(MeasuredAloneCollection.Name)]
public sealed class DeclaredLengthMemoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int CallsPerProtocol = 100;
    private const int Declared = 4 * 1024 * 1024;
    // The default budget's worth of such frames waits for its bytes; any further one is refused.
    private const int Held = (int)(ReceiveBudget.DefaultCapacity / Declared);
    // What .NET sets itself inside a container limited to about 340 MiB: 75 % of it.
    private const string HeapHardLimit = "0x10000000";
    private const long MemoryLimit = 200L * 1024 * 1024;
    private const int Refused = (int)GrpcStatusCode.ResourceExhausted;
    private static readonly string[] Methods = ["/strait.echo.v1.StreamService/ClientStream", "/strait.echo.v1.EchoService/Echo"];
    private BackendBehindGateway stack = null!;

    public async Task InitializeAsync() =>
        stack = await BackendBehindGateway.StartNodeEchoAsync(environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = HeapHardLimit });

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task Headers_declaring_4_MiB_without_their_payload_neither_crash_the_gateway_nor_take_its_memory()
    {
        using var memory = new MemorySampler(stack.Gateway.ProcessId);
        var calls = new List<HeaderOnlyCall>();
        try
        {
            for (var i = 0; i < CallsPerProtocol; i++)
            {
                calls.Add(await GrpcWebCall.StartAsync(stack.Gateway.Address, Methods[i % 2]));
                calls.Add(NativeCall.Start(stack.Gateway.Http2Address!, Methods[i % 2]));
            }

            // Every call beyond the budget's is answered at once. The wait for those answers is generous (two cores
            // shared with other builds), and the held calls stay a few seconds more, as an attacker's would.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (calls.Count(c => c.Status.IsCompleted) < calls.Count - Held && clock.Elapsed < TimeSpan.FromSeconds(20) && !stack.Gateway.HasExited)
            {
                await Task.Delay(100);
            }

            await Task.Delay(TimeSpan.FromSeconds(3));

            Assert.False(stack.Gateway.HasExited, "the gateway died:\n" + stack.Gateway.Output[^Math.Min(4000, stack.Gateway.Output.Length)..]);
            var answers = calls.Where(c => c.Status.IsCompleted).Select(c => c.Status.Result).ToList();
            var waiting = calls.Count - answers.Count;
            output.WriteLine($"{answers.Count} calls answered ({string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Count()} x {g.Key}"))}), {waiting} waiting for their payload; resident memory peaked at {memory.Peak / (1024 * 1024)} MB");
            Assert.All(answers, status => Assert.Equal(Refused, status));
            Assert.True(waiting <= Held, $"{waiting} calls wait for 4 MiB each: more than the 64 MiB budget holds");
            Assert.True(memory.Peak < MemoryLimit, $"the gateway's resident memory peaked at {memory.Peak / (1024 * 1024)} MB");
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }
        }

        // The held calls' reservations come back once their clients leave: a message larger than an HTTP/2 stream's
        // flow-control window (so assembled from many reads, with a reservation) and a unary call go through.
        using var client = new GrpcClient(stack.Gateway.Http2Address!);
        var text = new string('m', 1024 * 1024);
        var retrying = System.Diagnostics.Stopwatch.StartNew();
        GrpcStatus status;
        do
        {
            await using var call = client.StartCall(Methods[0], deadlineUtc: DateTime.UtcNow.AddSeconds(20));
            await call.WriteMessageAsync(new StreamRequest { Text = text }.ToByteArray());
            await call.CompleteRequestAsync();
            var replies = await StreamServiceCalls.ReadAllAsync(call);
            status = call.GetStatus();
            if (status.Code == GrpcStatusCode.Ok)
            {
                Assert.Equal(text.Length, Assert.Single(replies).Text.Length);
            }
        }
        while (status.Code == GrpcStatusCode.ResourceExhausted && retrying.Elapsed < TimeSpan.FromSeconds(15) && await DelayAsync());

        Assert.True(status.Code == GrpcStatusCode.Ok, $"{status.Code}: {status.Message}");
        using var echo = await client.InvokeUnaryAsync(Methods[1], new EchoRequest { Id = "after" }.ToByteArray(), deadlineUtc: DateTime.UtcNow.AddSeconds(20));
        Assert.Equal(GrpcStatusCode.Ok, echo.Status.Code);
        Assert.Equal("after", EchoResponse.Parser.ParseFrom(echo.Message.Span).Request.Id);
        Assert.False(stack.Gateway.HasExited);
    }

    private static async Task<bool> DelayAsync()
    {
        await Task.Delay(200);
        return true;
    }

    private static byte[] FrameHeader()
    {
        var header = new byte[GrpcFrameWriter.HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), Declared);
        return header;
    }

    /// <summary>A call that sent a frame header and nothing more; its status is the gRPC status it was answered with.</summary>
    private abstract class HeaderOnlyCall : IDisposable
    {
        /// <summary>The answer's grpc-status; -1 when the connection ended without one.</summary>
        public abstract Task<int> Status { get; }

        public abstract void Dispose();
    }

    /// <summary>grpc-web over HTTP/1.1 on a raw socket: the body's length says header and payload, only the header is sent.</summary>
    private sealed class GrpcWebCall : HeaderOnlyCall
    {
        private readonly Socket socket;

        private GrpcWebCall(Socket socket)
        {
            this.socket = socket;
            Status = ReadStatusAsync();
        }

        public override Task<int> Status { get; }

        public static async Task<GrpcWebCall> StartAsync(Uri gateway, string method)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
            var head = Encoding.ASCII.GetBytes(string.Create(
                CultureInfo.InvariantCulture,
                $"POST {method} HTTP/1.1\r\nHost: {gateway.Authority}\r\nContent-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\nContent-Length: {GrpcFrameWriter.HeaderLength + Declared}\r\n\r\n"));
            await socket.SendAsync(head.Concat(FrameHeader()).ToArray());
            return new GrpcWebCall(socket);
        }

        public override void Dispose() => socket.Dispose();

        private async Task<int> ReadStatusAsync()
        {
            var received = new List<byte>();
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer);
                    if (read == 0)
                    {
                        return -1;
                    }

                    received.AddRange(buffer.AsSpan(0, read));
                    // The trailer frame's text block: "grpc-status:8\r\n".
                    var text = Encoding.ASCII.GetString([.. received]);
                    var start = text.IndexOf("grpc-status:", StringComparison.Ordinal);
                    var end = start < 0 ? -1 : text.IndexOf('\r', start);
                    if (end > 0)
                    {
                        return int.Parse(text.AsSpan(start + "grpc-status:".Length, end - start - "grpc-status:".Length).Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return -1;
            }
        }
    }

    /// <summary>Native gRPC over h2c, one connection per call: the request body sends the header and then waits.</summary>
    private sealed class NativeCall : HeaderOnlyCall
    {
        private readonly HttpClient client = new(new SocketsHttpHandler());
        private readonly CancellationTokenSource cancellation = new();

        private NativeCall(Uri gateway, string method)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, method))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new HeaderOnlyContent(cancellation.Token),
            };
            request.Headers.TryAddWithoutValidation("te", "trailers");
            Status = ReadStatusAsync(request);
        }

        public override Task<int> Status { get; }

        public static NativeCall Start(Uri gateway, string method) => new(gateway, method);

        public override void Dispose()
        {
            cancellation.Cancel();
            client.Dispose();
            cancellation.Dispose();
        }

        private async Task<int> ReadStatusAsync(HttpRequestMessage request)
        {
            try
            {
                // A refusal is Trailers-Only, unless the backend's header block came first: then it ends in trailers.
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation.Token);
                if (!response.Headers.TryGetValues("grpc-status", out var values))
                {
                    await response.Content.CopyToAsync(Stream.Null, cancellation.Token);
                    if (!response.TrailingHeaders.TryGetValues("grpc-status", out values))
                    {
                        return -1;
                    }
                }

                return int.Parse(values.First(), CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                return -1;
            }
        }

        private sealed class HeaderOnlyContent : HttpContent
        {
            private readonly CancellationToken stop;

            public HeaderOnlyContent(CancellationToken stop)
            {
                this.stop = stop;
                Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            }

            protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            {
                await stream.WriteAsync(FrameHeader(), stop);
                await stream.FlushAsync(stop);
                await Task.Delay(Timeout.Infinite, stop);
            }

            protected override bool TryComputeLength(out long length)
            {
                length = 0;
                return false;
            }
        }
    }
}
