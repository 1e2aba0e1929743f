using Strait.Upstream;

namespace Strait.Tests.Upstream;

/// <summary>How <see cref="ClusterSettings.TryCreate"/> reads addresses and DNS options: every problem at once, each under its key.</summary>
public sealed class ClusterSettingsTests
{
    [Theory]
    [InlineData("_grpc._tcp.tasks.default.svc.cluster.local", "http://tasks.default.svc.cluster.local:50051/")]
    [InlineData("http://_grpc._tcp.tasks.default.svc.cluster.local", "http://tasks.default.svc.cluster.local:50051/")]
    [InlineData("https://_grpc._tcp.tasks.default.svc.cluster.local.", "https://tasks.default.svc.cluster.local:50051/")]
    public void An_srv_name_without_a_port_is_discovered_through_srv_and_its_endpoints_name_the_service(string address, string endpointAddress)
    {
        var errors = new List<string>();

        var settings = ClusterSettings.TryCreate("c", "clusters.c", new ClusterOptions { Addresses = [address] }, errors);

        Assert.Empty(errors);
        var entry = Assert.Single(settings!.Addresses);
        Assert.Equal(AddressDiscovery.Srv, entry.Discovery);
        Assert.True(settings.HasDnsNames);
        Assert.Equal(endpointAddress, BackendAddress.ForServiceTarget(entry.Address, 50051).ToString());
    }

    [Fact]
    public void Srv_name_and_name_server_problems_are_reported_together_with_the_others()
    {
        var errors = new List<string>();
        var options = new ClusterOptions
        {
            Addresses = ["_grpc._tcp.tasks.default.svc.cluster.local:50051", "_grpc.tasks.default.svc.cluster.local", "https://_grpc._udp.tasks.internal", "_grpc._tcp"],
            Endpoints = [new EndpointOptions { Address = "http://_grpc._tcp.tasks.internal:80", Weight = 2 }],
            Timeout = TimeSpan.Zero,
        };
        options.Dns.Servers = ["0.0.0.0", "[::]:5353", "10.0.0.10:53"];

        Assert.Null(ClusterSettings.TryCreate("c", "clusters.c", options, errors));

        Assert.Equal(
            [
                "clusters.c.addresses[0]: backend address '_grpc._tcp.tasks.default.svc.cluster.local:50051' is an SRV name, whose records give the ports: leave the port out",
                "clusters.c.addresses[1]: backend address '_grpc.tasks.default.svc.cluster.local' starts with '_' but is not an SRV name of the form _SERVICE._tcp.NAME",
                "clusters.c.addresses[2]: backend address 'https://_grpc._udp.tasks.internal' starts with '_' but is not an SRV name of the form _SERVICE._tcp.NAME",
                "clusters.c.addresses[3]: backend address '_grpc._tcp' starts with '_' but is not an SRV name of the form _SERVICE._tcp.NAME",
                "clusters.c.endpoints[0].address: backend address 'http://_grpc._tcp.tasks.internal:80' is an SRV name, whose records give the ports: leave the port out",
                "clusters.c.timeout: must be positive (it is 00:00:00)",
                "clusters.c.dns.servers[0]: '0.0.0.0' is the unspecified address, not a name server",
                "clusters.c.dns.servers[1]: '[::]:5353' is the unspecified address, not a name server",
            ],
            errors);
    }

    [Fact]
    public void A_host_name_still_needs_a_port()
    {
        var errors = new List<string>();

        Assert.Null(ClusterSettings.TryCreate("c", "clusters.c", new ClusterOptions { Addresses = ["tasks.default.svc.cluster.local"] }, errors));

        Assert.Equal(["clusters.c.addresses[0]: backend address 'tasks.default.svc.cluster.local' has no port"], errors);
    }
}
