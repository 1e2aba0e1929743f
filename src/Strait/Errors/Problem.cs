using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Strait.Wire;

namespace Strait.Errors;

/// <summary>
/// One error Strait answers with, before it is rendered (as RFC 9457 problem details or as google.rpc.Status
/// JSON). <see cref="Status"/> always equals the status line sent: the two can never disagree.
/// </summary>
internal sealed record Problem
{
    public Problem(int status, string typeSlug, string title, GrpcStatusCode grpcStatus)
    {
        Status = status;
        TypeSlug = typeSlug;
        Title = title;
        GrpcStatus = grpcStatus;
    }

    /// <summary>The HTTP status, sent both as the status line and as the <c>status</c> member.</summary>
    public int Status { get; }

    /// <summary>The last part of the <c>type</c> URI (appended to the configured base), e.g. <c>not-found</c>.</summary>
    public string TypeSlug { get; }

    public string Title { get; }

    public GrpcStatusCode GrpcStatus { get; }

    /// <summary>What happened to this request, safe for clients (backend <c>grpc-message</c>s pass through).</summary>
    public string? Detail { get; init; }

    /// <summary>Field-level problems: transcoding errors and <c>google.rpc.BadRequest</c> field violations.</summary>
    public IReadOnlyList<ProblemFieldError> Errors { get; init; } = [];

    public ErrorInfo? ErrorInfo { get; init; }

    /// <summary>From <c>google.rpc.RetryInfo</c>; rendered as the <c>Retry-After</c> header.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Every detail of the backend's google.rpc.Status, in order, for rendering with <c>@type</c>.</summary>
    public IReadOnlyList<Any> Details { get; init; } = [];

    /// <summary>For 405: the methods the path accepts (the <c>Allow</c> header).</summary>
    public IReadOnlyList<string> Allow { get; init; } = [];
}

/// <summary>A problem with one field of the request: <c>field</c> is a JSON path or a proto field path.</summary>
internal sealed record ProblemFieldError(string Field, string Description);
