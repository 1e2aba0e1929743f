using Google.Protobuf;

namespace Strait.Wire;

/// <summary>One method of a <see cref="GrpcServiceDefinition"/>: how to run its handler on a call.</summary>
internal abstract class ServerMethod
{
    protected ServerMethod(string serviceName, string name)
    {
        Name = name;
        Path = $"/{serviceName}/{name}";
    }

    public string Name { get; }

    /// <summary>The HTTP path, <c>/package.Service/Method</c>.</summary>
    public string Path { get; }

    public abstract Task InvokeAsync(GrpcServerCall call);
}

internal sealed class UnaryServerMethod<TRequest, TResponse>(
    string serviceName,
    string name,
    MessageParser<TRequest> parser,
    Func<TRequest, ServerCallContext, Task<TResponse>> handler) : ServerMethod(serviceName, name)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async Task InvokeAsync(GrpcServerCall call)
    {
        var request = await call.ReadSingleMessageAsync(parser).ConfigureAwait(false);
        var response = await handler(request, call.Context).ConfigureAwait(false);
        await call.WriteMessageAsync(response, CancellationToken.None).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingServerMethod<TRequest, TResponse>(
    string serviceName,
    string name,
    MessageParser<TRequest> parser,
    Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler) : ServerMethod(serviceName, name)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async Task InvokeAsync(GrpcServerCall call)
    {
        var request = await call.ReadSingleMessageAsync(parser).ConfigureAwait(false);
        await handler(request, new ServerStreamWriter<TResponse>(call), call.Context).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingServerMethod<TRequest, TResponse>(
    string serviceName,
    string name,
    MessageParser<TRequest> parser,
    Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> handler) : ServerMethod(serviceName, name)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async Task InvokeAsync(GrpcServerCall call)
    {
        var response = await handler(new ServerStreamReader<TRequest>(call, parser), call.Context).ConfigureAwait(false);
        await call.WriteMessageAsync(response, CancellationToken.None).ConfigureAwait(false);
    }
}

internal sealed class DuplexStreamingServerMethod<TRequest, TResponse>(
    string serviceName,
    string name,
    MessageParser<TRequest> parser,
    Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler) : ServerMethod(serviceName, name)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override Task InvokeAsync(GrpcServerCall call) =>
        handler(new ServerStreamReader<TRequest>(call, parser), new ServerStreamWriter<TResponse>(call), call.Context);
}

internal sealed class ServerStreamWriter<T>(GrpcServerCall call) : IServerStreamWriter<T>
    where T : IMessage<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return call.WriteMessageAsync(message, cancellationToken);
    }
}

internal sealed class ServerStreamReader<T>(GrpcServerCall call, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : IMessage<T>
{
    private T? current;

    public T Current => current ?? throw new InvalidOperationException("No message has been read; call MoveNextAsync first.");

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        current = await call.ReadMessageAsync(parser, cancellationToken).ConfigureAwait(false);
        return current is not null;
    }
}
