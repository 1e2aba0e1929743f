using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Strait.Tests.Wire.Protos;
using Strait.Wire;

namespace Strait.Tests.Wire;

/// <summary>The test service: one method per behaviour the loopback tests exercise, plus probes into the server side.</summary>
internal sealed class EchoService
{
    public const string Name = "strait.tests.wire.Echo";

    private int calls;

    public EchoService()
    {
        Definition = new GrpcServiceDefinition(Name)
            .AddUnary<EchoRequest, EchoReply>("Echo", EchoRequest.Parser, EchoAsync)
            .AddUnary<EchoRequest, EchoReply>("Big", EchoRequest.Parser, (request, _) => Task.FromResult(new EchoReply { Payload = ByteString.CopyFrom(new byte[request.Count]) }))
            .AddUnary<EchoRequest, EchoReply>("Fail", EchoRequest.Parser, (_, _) => throw CreateValidationFailure())
            .AddUnary<EchoRequest, EchoReply>("Crash", EchoRequest.Parser, (_, _) => throw new InvalidOperationException("secret detail at 10.1.2.3"))
            .AddUnary<EchoRequest, EchoReply>("Wait", EchoRequest.Parser, WaitAsync)
            .AddServerStreaming<EchoRequest, EchoReply>("Expand", EchoRequest.Parser, ExpandAsync)
            .AddServerStreaming<EchoRequest, EchoReply>("ExpandThenWait", EchoRequest.Parser, ExpandThenWaitAsync)
            .AddClientStreaming<EchoRequest, EchoReply>("Collect", EchoRequest.Parser, CollectAsync)
            .AddDuplexStreaming<EchoRequest, EchoReply>("Chat", EchoRequest.Parser, ChatAsync);
    }

    public GrpcServiceDefinition Definition { get; }

    public int Calls => Volatile.Read(ref calls);

    /// <summary>Set when a handler starts waiting on its cancellation token.</summary>
    public TaskCompletionSource<ServerCallContext> HandlerWaiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when the waiting handler's token fired.</summary>
    public TaskCompletionSource HandlerCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The request's grpc-encoding header as the Echo handler saw it.</summary>
    public string? LastRequestEncoding { get; private set; }

    /// <summary>The HTTP protocol and scheme of the last Echo request, e.g. "HTTP/2 https".</summary>
    public string? LastTransport { get; private set; }

    /// <summary>What the last Echo call's context said, captured while the call was running.</summary>
    public (string Method, string Peer, DateTime Deadline, GrpcMetadata RequestHeaders)? LastContext { get; private set; }

    public static GrpcException CreateValidationFailure()
    {
        var badRequest = new BadRequest
        {
            FieldViolations = { new BadRequest.Types.FieldViolation { Field = "title", Description = "must not be empty" } },
        };
        var details = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "title: must not be empty ✓ 100%",
            Details = { Any.Pack(badRequest) },
        };
        var trailers = new GrpcMetadata { { "x-reason", "validation" } };
        return new GrpcException(new GrpcStatus(GrpcStatusCode.InvalidArgument, details.Message, details), trailers);
    }

    private async Task<EchoReply> EchoAsync(EchoRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref calls);
        LastRequestEncoding = context.HttpContext.Request.Headers["grpc-encoding"].ToString();
        LastTransport = $"{context.HttpContext.Request.Protocol} {context.HttpContext.Request.Scheme}";
        LastContext = (context.Method, context.Peer, context.Deadline, context.RequestHeaders);

        var echoed = new GrpcMetadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (!entry.Key.StartsWith("x-echo", StringComparison.Ordinal))
            {
                continue;
            }

            if (entry.IsBinary)
            {
                echoed.Add(entry.Key, entry.ValueBytes);
                context.ResponseTrailers.Add("x-trailer-bin", entry.ValueBytes);
            }
            else
            {
                echoed.Add(entry.Key, entry.Value);
                context.ResponseTrailers.Add("x-trailer", entry.Value);
            }
        }

        if (echoed.Count > 0)
        {
            context.ResponseTrailers.Add("x-trailer", "done");
            await context.WriteResponseHeadersAsync(echoed);
        }

        return new EchoReply { Text = request.Text, Payload = request.Payload };
    }

    private async Task<EchoReply> WaitAsync(EchoRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref calls);
        HandlerWaiting.TrySetResult(context);
        await WaitForCancellationAsync(context);
        return new EchoReply();
    }

    private static async Task ExpandAsync(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await responses.WriteAsync(new EchoReply { Text = $"{request.Text}-{i}", Index = i });
        }
    }

    private async Task ExpandThenWaitAsync(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        await responses.WriteAsync(new EchoReply { Text = request.Text });
        HandlerWaiting.TrySetResult(context);
        await WaitForCancellationAsync(context);
    }

    private static async Task<EchoReply> CollectAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var texts = new List<string>();
        while (await requests.MoveNextAsync())
        {
            if (requests.Current.Text == "fail")
            {
                throw new GrpcException(GrpcStatusCode.FailedPrecondition, "asked to fail");
            }

            texts.Add(requests.Current.Text);
        }

        return new EchoReply { Text = string.Join(",", texts), Index = texts.Count };
    }

    private static async Task ChatAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        var index = 0;
        while (await requests.MoveNextAsync())
        {
            await responses.WriteAsync(new EchoReply { Text = requests.Current.Text.ToUpperInvariant(), Index = index++ });
        }
    }

    private async Task WaitForCancellationAsync(ServerCallContext context)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            HandlerCancelled.TrySetResult();
            throw;
        }
    }
}
