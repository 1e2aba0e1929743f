using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using Strait.Wire;

namespace Strait.Samples.Hosting;

/// <summary>Maps gRPC services onto ASP.NET Core endpoint routing (Kestrel with HTTP/2).</summary>
internal static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /{service}/{method}</c> for every method of <paramref name="service"/>, plus a catch-all under the
    /// service's path that answers unknown methods with a Trailers-Only UNIMPLEMENTED. Requests that are not gRPC get
    /// HTTP 415 (wrong content type) or 426 (not HTTP/2). Uses the <see cref="GrpcServerOptions"/> registered in the
    /// service provider at mapping time, or the defaults, and logs handler exceptions through <see cref="ILoggerFactory"/>.
    /// Unknown services are answered only with <see cref="MapGrpcFallback"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, GrpcServiceDefinition service)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);

        var options = (endpoints.ServiceProvider.GetService<GrpcServerOptions>() ?? new GrpcServerOptions()).Snapshot();
        var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger(GrpcServerLog.CategoryName) ?? NullLogger.Instance;
        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in service.Methods)
        {
            RequestDelegate handler = context => GrpcServerCall.HandleAsync(context, method, options, logger);
            builders.Add(endpoints.MapPost(method.Path, handler).WithDisplayName($"gRPC {method.Path}"));
        }

        RequestDelegate unknownMethod = context => GrpcServerCall.HandleUnimplementedAsync(
            context, "Method is unimplemented.", StatusCodes.Status415UnsupportedMediaType);
        builders.Add(endpoints.MapPost($"/{service.ServiceName}/{{**method}}", unknownMethod)
            .WithDisplayName($"gRPC unimplemented method of {service.ServiceName}"));
        return new CompositeEndpointConventionBuilder(builders);
    }

    /// <summary>
    /// Answers gRPC requests (POST with an <c>application/grpc</c> content type) to any path no other endpoint matched
    /// with a Trailers-Only UNIMPLEMENTED; other unmatched POSTs get 404. It is the lowest-priority route, but it does
    /// turn a would-be 405 for a POST to a path mapped for other methods into 404.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcFallback(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RequestDelegate unknownService = context => GrpcServerCall.HandleUnimplementedAsync(
            context, "Service is unimplemented.", StatusCodes.Status404NotFound);
        var builder = endpoints.MapPost("{**path}", unknownService).WithDisplayName("gRPC unimplemented service");
        builder.Add(endpoint => ((RouteEndpointBuilder)endpoint).Order = int.MaxValue);
        return builder;
    }

    private sealed class CompositeEndpointConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
