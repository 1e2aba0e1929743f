using Google.Protobuf;

namespace Strait.Wire;

/// <summary>
/// A gRPC service for a host to map (the samples' <c>MapGrpcService</c>): its full name and a handler per
/// method. Handlers fail a call by throwing <see cref="GrpcException"/>; any other exception becomes UNKNOWN with a
/// generic message (the exception is logged, never sent).
/// </summary>
internal sealed class GrpcServiceDefinition
{
    private readonly Dictionary<string, ServerMethod> methods = new(StringComparer.Ordinal);

    /// <param name="serviceName">The full service name, e.g. <c>todo.v1.TaskService</c>.</param>
    public GrpcServiceDefinition(string serviceName)
    {
        ValidateName(serviceName, nameof(serviceName));
        ServiceName = serviceName;
    }

    public string ServiceName { get; }

    /// <summary>The names of the methods added so far.</summary>
    public IReadOnlyCollection<string> MethodNames => methods.Keys;

    internal IEnumerable<ServerMethod> Methods => methods.Values;

    public GrpcServiceDefinition AddUnary<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ValidateMethod(method, requestParser, handler);
        return Add(new UnaryServerMethod<TRequest, TResponse>(ServiceName, method, requestParser, handler));
    }

    public GrpcServiceDefinition AddServerStreaming<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ValidateMethod(method, requestParser, handler);
        return Add(new ServerStreamingServerMethod<TRequest, TResponse>(ServiceName, method, requestParser, handler));
    }

    public GrpcServiceDefinition AddClientStreaming<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ValidateMethod(method, requestParser, handler);
        return Add(new ClientStreamingServerMethod<TRequest, TResponse>(ServiceName, method, requestParser, handler));
    }

    public GrpcServiceDefinition AddDuplexStreaming<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ValidateMethod(method, requestParser, handler);
        return Add(new DuplexStreamingServerMethod<TRequest, TResponse>(ServiceName, method, requestParser, handler));
    }

    private GrpcServiceDefinition Add(ServerMethod method)
    {
        if (!methods.TryAdd(method.Name, method))
        {
            throw new ArgumentException($"Method '{method.Name}' is already defined on {ServiceName}.", nameof(method));
        }

        return this;
    }

    private static void ValidateMethod(string method, object requestParser, object handler)
    {
        ValidateName(method, nameof(method));
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(handler);
    }

    private static void ValidateName(string name, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameterName);
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_'))
            {
                throw new ArgumentException($"'{name}' is not a valid protobuf name.", parameterName);
            }
        }
    }
}
