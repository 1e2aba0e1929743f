using Microsoft.AspNetCore.Http;

namespace Strait.Wire;

/// <summary>
/// What a server handler knows about its call, and how it adds response metadata. Valid only while the handler runs:
/// the underlying <see cref="HttpContext"/> is recycled when the call ends. A handler must observe
/// <see cref="CancellationToken"/>; its status is sent only once it returns.
/// </summary>
internal sealed class ServerCallContext
{
    private readonly GrpcServerCall call;

    internal ServerCallContext(GrpcServerCall call, string method, GrpcMetadata requestHeaders, DateTime deadline, CancellationToken cancellationToken)
    {
        this.call = call;
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The method path, <c>/package.Service/Method</c>.</summary>
    public string Method { get; }

    /// <summary>The request's user metadata, binary values decoded.</summary>
    public GrpcMetadata RequestHeaders { get; }

    /// <summary>Metadata sent as trailers with the status (also when the handler fails).</summary>
    public GrpcMetadata ResponseTrailers { get; } = new();

    /// <summary>The UTC deadline from <c>grpc-timeout</c>; <see cref="DateTime.MaxValue"/> without one.</summary>
    public DateTime Deadline { get; }

    /// <summary>Fires when the client cancels or disconnects (RST_STREAM) and when the deadline expires.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The client's address, as in gRPC: <c>ipv4:127.0.0.1:5000</c>, <c>ipv6:[::1]:5000</c> or <c>unknown</c>.</summary>
    public string Peer => call.Peer;

    public HttpContext HttpContext => call.HttpContext;

    /// <summary>Sends the response headers now, with <paramref name="headers"/>; otherwise they go with the first message.</summary>
    /// <exception cref="InvalidOperationException">The response headers were already sent.</exception>
    public Task WriteResponseHeadersAsync(GrpcMetadata headers) => call.WriteResponseHeadersAsync(headers);
}
