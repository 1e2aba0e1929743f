using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Cors;
using Strait.Edge.Docs;
using Strait.Edge.Grpc;
using Strait.Edge.Rest;
using Strait.Errors;
using Strait.Gateway;
using Strait.Observability;
using Strait.Routing;
using Strait.Wire;

namespace Strait.Edge;

/// <summary>
/// The front door: every request takes the snapshot current when it arrived (and keeps it to the end), gets its
/// request id and CORS marking, and goes to the edge its protocol names: gRPC and grpc-web by content type (native
/// gRPC calls to Strait's own health and reflection services answered here), CORS preflights answered here, everything
/// else REST (after the OpenAPI document and the API explorer). The path every later decision sees is read here once
/// from the target as sent (<see cref="RequestTarget"/>), and a target with dot segments goes no further (ADR 0011).
/// </summary>
internal sealed partial class EdgeDispatcher
{
    private readonly GatewaySnapshotHolder snapshots;
    private readonly RestTranscodingEndpoint rest;
    private readonly GrpcProxyEndpoint grpc;
    private readonly GatewayGrpcServices own;
    private readonly ApiExplorer explorer;
    private readonly ILogger logger;

    public EdgeDispatcher(
        GatewaySnapshotHolder snapshots, RestTranscodingEndpoint rest, GrpcProxyEndpoint grpc, GatewayGrpcServices own, ApiExplorer explorer, ILogger<EdgeDispatcher> logger)
    {
        this.snapshots = snapshots;
        this.rest = rest;
        this.grpc = grpc;
        this.own = own;
        this.explorer = explorer;
        this.logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var snapshot = snapshots.Current;
        var request = context.Request;
        if (snapshot.Cors.Enabled && CorsPolicy.IsPreflight(request))
        {
            snapshot.Cors.AnswerPreflight(context);
            return Task.CompletedTask;
        }

        ClientRequestBody.Install(context);
        var identity = RequestIdentity.From(request);
        context.Response.Headers[RequestIdentity.RequestIdHeader] = identity.RequestId;
        snapshot.Cors.MarkResponse(context);
        var protocol = GrpcEdgeProtocols.Detect(request.ContentType);
        var target = RequestTarget.Read(context);
        if (target.HasDotSegment)
        {
            LogDotSegment(logger, request.Method, target.RawPath, identity.RequestId);
            return protocol == GrpcEdgeProtocol.None
                ? snapshot.ProblemWriter.WriteAsync(context, Problems.DotSegment(), identity, snapshot.DetailRenderer)
                : GrpcProxyEndpoint.RefuseAsync(context, protocol, new GrpcStatus(GrpcStatusCode.InvalidArgument, "The method path has a '.' or '..' segment.", origin: StatusOrigin.Local));
        }

        if (protocol == GrpcEdgeProtocol.None)
        {
            return explorer.TryHandle(context, snapshot, target, out var served) ? served : rest.InvokeAsync(context, snapshot, target, identity);
        }

        if (protocol == GrpcEdgeProtocol.Native && !HttpProtocol.IsHttp2(request.Protocol))
        {
            // gRPC needs HTTP/2's trailers; HTTP/1.1 clients are told where to go.
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = request.IsHttps ? "h2" : "h2c";
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("gRPC requires HTTP/2: h2c with prior knowledge on http://, h2 by ALPN on https://; over HTTP/1.1 use grpc-web.", context.RequestAborted);
        }

        if (protocol == GrpcEdgeProtocol.Native && own.TryHandle(context, target.Path, out var answered))
        {
            return answered;
        }

        return grpc.InvokeAsync(context, snapshot, protocol, target, identity);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{HttpMethod} {RawPath} refused: the path has dot segments (request {RequestId})")]
    private static partial void LogDotSegment(ILogger logger, string httpMethod, string rawPath, string requestId);
}
