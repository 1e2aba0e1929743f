using System.Collections.Frozen;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strait.Reflection;
using Strait.Wire;

namespace Strait.Hosting;

/// <summary>
/// The gRPC services Strait answers itself, on the same ports as the calls it proxies: health and reflection
/// (<c>gatewayServices</c>). Looked up by request path before a call is proxied; reflection is answered only to the
/// allowed client networks.
/// </summary>
public sealed class GatewayGrpcServices
{
    private readonly FrozenDictionary<string, ServerMethod> methods;
    private readonly IPNetwork[] reflectionNetworks;
    private readonly GrpcServerOptions options = new GrpcServerOptions().Snapshot();
    private readonly ILogger logger;

    internal GatewayGrpcServices(GatewayServicesOptions settings, GatewaySnapshotHolder snapshots, Func<bool> ready, ILogger logger)
    {
        this.logger = logger;
        reflectionNetworks = ParseNetworks(settings.ReflectionAllowedNetworks.Count > 0 ? settings.ReflectionAllowedNetworks : GatewayServicesOptions.DefaultReflectionNetworks);
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

    /// <summary>Checks <c>gatewayServices.reflectionAllowedNetworks</c>; the error names the key.</summary>
    public static string? ValidateNetworks(IEnumerable<string> networks)
    {
        foreach (var network in networks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                return $"gatewayServices.reflectionAllowedNetworks: '{network}' is not a network in CIDR form (10.0.0.0/8, ::1/128)";
            }
        }

        return null;
    }

    /// <summary>Answers the call when its path is one of these services'; false when it is not (proxy it).</summary>
    public bool TryHandle(HttpContext context, out Task handled)
    {
        if (methods.TryGetValue(context.Request.Path.Value ?? string.Empty, out var method))
        {
            handled = GrpcServerCall.HandleAsync(context, method, options, logger);
            return true;
        }

        handled = Task.CompletedTask;
        return false;
    }

    private void Authorize(ServerCallContext context)
    {
        var address = context.HttpContext.Connection.RemoteIpAddress;
        if (address is not null && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address is null || !Array.Exists(reflectionNetworks, n => n.Contains(address)))
        {
            throw new GrpcException(GrpcStatusCode.PermissionDenied, "reflection is not served to this client's network (gatewayServices.reflectionAllowedNetworks)");
        }
    }

    private static IPNetwork[] ParseNetworks(IEnumerable<string> networks) =>
        [.. networks.Select(n => IPNetwork.TryParse(n, out var parsed) ? parsed : throw new StraitConfigurationException(ValidateNetworks([n])!))];
}
