using Grpc.Reflection.V1;
using Strait.Reflection;
using Strait.Samples.Hosting;
using Strait.Schema;
using Strait.Wire;

namespace Strait.Tests.Reflection;

/// <summary>Strait's reflection client against reflection servers on loopback: ours, and hand-made ones that answer differently.</summary>
public sealed class ReflectionClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Reads_a_servers_services_and_files_and_leaves_out_infrastructure()
    {
        var index = new ReflectionIndex(
            [.. SchemaVersions.Files("v2"), Grpc.Health.V1.HealthReflection.Descriptor, .. ReflectionServices.ProtocolFiles],
            [SchemaVersions.Service, "grpc.health.v1.Health", ReflectionServices.V1ServiceName, ReflectionServices.V1AlphaServiceName]);
        await using var server = await StartAsync(ReflectionServices.Create(() => index));
        using var client = new GrpcClient(server.Address);

        var schema = await ReflectionClient.FetchAsync(client, new HashSet<string>(), Timeout, CancellationToken.None);

        Assert.Equal("v1", schema.Protocol);
        Assert.Equal([SchemaVersions.Service], schema.Services);
        Assert.Contains(schema.Files.File, f => f.Name == "catalog.proto");
        var registry = SchemaLoader.Load([schema.Files]);
        var method = Assert.Single(registry.Services).FindMethodByName("DescribeShelf");
        Assert.Equal("/v1/shelves/{shelf}", SchemaRegistry.HttpRuleOf(method)!.Get);
    }

    [Fact]
    public async Task Falls_back_to_v1alpha_when_the_server_has_only_that()
    {
        var index = new ReflectionIndex(SchemaVersions.Files("v1"), [SchemaVersions.Service]);
        await using var server = await StartAsync([ReflectionServices.Create(() => index)[1]]);
        using var client = new GrpcClient(server.Address);

        var schema = await ReflectionClient.FetchAsync(client, new HashSet<string>(), Timeout, CancellationToken.None);

        Assert.Equal("v1alpha", schema.Protocol);
        Assert.Equal([SchemaVersions.Service], schema.Services);
    }

    [Fact]
    public async Task A_server_without_reflection_is_a_reflection_error_naming_it()
    {
        await using var server = await StartAsync([]);
        using var client = new GrpcClient(server.Address);

        var error = await Assert.ThrowsAsync<ReflectionException>(() => ReflectionClient.FetchAsync(client, new HashSet<string>(), Timeout, CancellationToken.None));

        Assert.Equal(GrpcStatusCode.Unimplemented, error.Code);
        Assert.StartsWith(server.Address.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_to_skip_are_not_fetched()
    {
        var index = new ReflectionIndex(SchemaVersions.Files("v1"), [SchemaVersions.Service]);
        await using var server = await StartAsync(ReflectionServices.Create(() => index));
        using var client = new GrpcClient(server.Address);

        var schema = await ReflectionClient.FetchAsync(client, new HashSet<string> { SchemaVersions.Service }, Timeout, CancellationToken.None);

        Assert.Empty(schema.Services);
        Assert.Empty(schema.Files.File);
    }

    [Fact]
    public async Task Imports_a_server_leaves_out_are_asked_for_one_by_one()
    {
        // Like servers that answer a symbol with its file alone: every import takes a request of its own.
        var files = SchemaLoader.Load([Nested()]).Files.ToDictionary(f => f.Name);
        var asked = new List<string>();
        var service = new GrpcServiceDefinition(ReflectionServices.V1ServiceName).AddDuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>(
            "ServerReflectionInfo",
            ServerReflectionRequest.Parser,
            async (requests, responses, context) =>
            {
                while (await requests.MoveNextAsync(context.CancellationToken))
                {
                    var request = requests.Current;
                    var response = new ServerReflectionResponse { OriginalRequest = request };
                    switch (request.MessageRequestCase)
                    {
                        case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                            response.ListServicesResponse = new ListServiceResponse { Service = { new ServiceResponse { Name = "nested.Top" } } };
                            break;
                        case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                            asked.Add("symbol " + request.FileContainingSymbol);
                            response.FileDescriptorResponse = new FileDescriptorResponse { FileDescriptorProto = { files["top.proto"].SerializedData } };
                            break;
                        default:
                            asked.Add("file " + request.FileByFilename);
                            response.FileDescriptorResponse = new FileDescriptorResponse { FileDescriptorProto = { files[request.FileByFilename].SerializedData } };
                            break;
                    }

                    await responses.WriteAsync(response, context.CancellationToken);
                }
            });
        await using var server = await StartAsync([service]);
        using var client = new GrpcClient(server.Address);

        var schema = await ReflectionClient.FetchAsync(client, new HashSet<string>(), Timeout, CancellationToken.None);

        Assert.Equal(["symbol nested.Top", "file middle.proto", "file bottom.proto"], asked);
        Assert.Equal(["bottom.proto", "middle.proto", "top.proto"], schema.Files.File.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.NotNull(SchemaLoader.Load([schema.Files]).FindMessageType("nested.Bottom"));
    }

    [Fact]
    public async Task An_error_answer_names_what_was_asked()
    {
        var index = new ReflectionIndex(SchemaVersions.Files("v1"), [SchemaVersions.Service, "missing.Service"]);
        await using var server = await StartAsync(ReflectionServices.Create(() => index));
        using var client = new GrpcClient(server.Address);

        var error = await Assert.ThrowsAsync<ReflectionException>(() => ReflectionClient.FetchAsync(client, new HashSet<string>(), Timeout, CancellationToken.None));

        Assert.Null(error.Code);
        Assert.Contains("the file of service 'missing.Service': NotFound symbol 'missing.Service' is not known", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fingerprint_depends_on_content_not_order()
    {
        var v1 = SchemaVersions.Set("v1").File;
        var v2 = SchemaVersions.Set("v2").File;

        Assert.Equal(ReflectionClient.Fingerprint(v1), ReflectionClient.Fingerprint(v1.Reverse()));
        Assert.NotEqual(ReflectionClient.Fingerprint(v1), ReflectionClient.Fingerprint(v2));
    }

    private static Task<GrpcServerHost> StartAsync(IEnumerable<GrpcServiceDefinition> services) =>
        GrpcServerHost.StartAsync("http://127.0.0.1:0", endpoints =>
        {
            foreach (var service in services)
            {
                endpoints.MapGrpcService(service);
            }
        });

    // top.proto imports middle.proto, which imports bottom.proto.
    private static Google.Protobuf.Reflection.FileDescriptorSet Nested()
    {
        var set = new Google.Protobuf.Reflection.FileDescriptorSet();
        set.File.Add(new Google.Protobuf.Reflection.FileDescriptorProto
        {
            Name = "bottom.proto",
            Package = "nested",
            Syntax = "proto3",
            MessageType = { new Google.Protobuf.Reflection.DescriptorProto { Name = "Bottom" } },
        });
        set.File.Add(new Google.Protobuf.Reflection.FileDescriptorProto
        {
            Name = "middle.proto",
            Package = "nested",
            Syntax = "proto3",
            Dependency = { "bottom.proto" },
            MessageType =
            {
                new Google.Protobuf.Reflection.DescriptorProto
                {
                    Name = "Middle",
                    Field = { new Google.Protobuf.Reflection.FieldDescriptorProto { Name = "bottom", Number = 1, Type = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type.Message, TypeName = ".nested.Bottom", Label = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label.Optional } },
                },
            },
        });
        set.File.Add(new Google.Protobuf.Reflection.FileDescriptorProto
        {
            Name = "top.proto",
            Package = "nested",
            Syntax = "proto3",
            Dependency = { "middle.proto" },
            Service = { new Google.Protobuf.Reflection.ServiceDescriptorProto { Name = "Top", Method = { new Google.Protobuf.Reflection.MethodDescriptorProto { Name = "Get", InputType = ".nested.Middle", OutputType = ".nested.Middle" } } } },
        });
        return set;
    }
}
