using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Configuration;
using Strait.Reflection;
using Strait.Security;
using Strait.Wire;

namespace Strait.Gateway;

/// <summary>
/// The gRPC services Strait answers itself, on the same ports as the calls it proxies: health and reflection
/// (<c>gatewayServices</c>). Looked up by request path before a call is proxied; reflection is answered only to the
/// allowed client networks.
/// </summary>
internal sealed class GatewayGrpcServices
{
    private readonly FrozenDictionary<string, ServerMethod> methods;
    private readonly ClientNetworks reflectionNetworks;
    private readonly GrpcServerOptions options = new GrpcServerOptions().Snapshot();
    private readonly ILogger logger;

    /// <param name="reflectionNetworks">The clients reflection answers (<c>gatewayServices.reflectionAllowedNetworks</c>).</param>
    internal GatewayGrpcServices(GatewayServicesOptions settings, ClientNetworks reflectionNetworks, GatewaySnapshotHolder snapshots, Func<bool> ready, ILogger logger)
    {
        this.logger = logger;
        this.reflectionNetworks = reflectionNetworks;
        var definitions = new List<GrpcServiceDefinition>();
        if (settings.Health)
        {
            definitions.Add(new GatewayHealthService(snapshots, ready).Define());
        }

        if (settings.Reflection)
        {
            definitions.AddRange(ReflectionServices.Create(() => snapshots.Current.Reflection, Authorize));
        }

        methods = definitions.SelectMany(d => d.Methods).ToFrozenDictionary(m => m.Path, StringComparer.Ordinal);
    }

    /// <summary>Answers the call when its path is one of these services'; false when it is not (proxy it).</summary>
    /// <param name="path">The request path as the front door reads it (<see cref="Routing.RequestTarget.Path"/>).</param>
    public bool TryHandle(HttpContext context, string path, out Task handled)
    {
        if (methods.TryGetValue(path, out var method))
        {
            handled = GrpcServerCall.HandleAsync(context, method, options, logger);
            return true;
        }

        handled = Task.CompletedTask;
        return false;
    }

    private void Authorize(ServerCallContext context)
    {
        if (!reflectionNetworks.Contains(context.HttpContext.Connection.RemoteIpAddress))
        {
            throw new GrpcException(GrpcStatusCode.PermissionDenied, "reflection is not served to this client's network (gatewayServices.reflectionAllowedNetworks)");
        }
    }
}
