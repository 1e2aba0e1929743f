using Google.Protobuf.Reflection;
using Strait.Configuration;
using Strait.Gateway;
using Strait.Hosting;
using Strait.Samples.TaskService;

namespace Strait.Server;

/// <summary><c>strait demo</c>: the gateway plus three replicas of the todo.v1 backend, in one process, on loopback.</summary>
internal static class DemoCommand
{
    public static async Task<int> RunAsync(string listen, CancellationToken cancellation)
    {
        await using var replicas = await TaskServiceReplicas.StartAsync(3, cancellationToken: cancellation).ConfigureAwait(false);

        // grpc-gateway mode forwards Grpc-Metadata-* headers, which the demo backend's fault injection reads.
        var options = new StraitOptions { Listen = listen, Headers = { Mode = Strait.Headers.HeaderMappingModes.GrpcGateway } };
        options.Backend.Addresses.AddRange(replicas.Addresses.Select(a => a.ToString()));
        var schema = new FileDescriptorSet();
        schema.File.Add(FileDescriptorProto.Parser.ParseFrom(Todo.V1.TodoReflection.Descriptor.SerializedData));

        await using var runtime = GatewayRuntime.Create(StraitSettings.Validate(options, new ValidationContext { SchemaSets = [schema] }));
        await using var server = await GatewayServer.StartAsync(runtime, cancellation).ConfigureAwait(false);
        var url = server.Urls[0].TrimEnd('/');
        var seeded = await SeedAsync(url, cancellation).ConfigureAwait(false);

        await Console.Out.WriteLineAsync($$$"""
            strait demo: gateway on {{{url}}}, todo.v1.TaskService replicas on {{{string.Join(", ", replicas.Addresses.Select(a => a.Authority))}}}

            Try:
              curl -s -X POST {{{url}}}/v1/tasks -H 'content-type: application/json' -d '{"task":{"title":"Write the design doc","priority":"PRIORITY_HIGH","tags":["docs"]}}'
              curl -s '{{{url}}}/v1/tasks?pageSize=10&filter=priority=HIGH'
              curl -s {{{url}}}/v1/{{{seeded}}}
              curl -s -X PATCH '{{{url}}}/v1/{{{seeded}}}?updateMask=status' -H 'content-type: application/json' -d '{"status":"STATUS_IN_PROGRESS"}'
              curl -s -X POST {{{url}}}/v1/tasks:batchCreate -H 'content-type: application/json' -d '{"requests":[{"task":{"title":"one"}},{"task":{"title":"two"}}]}'
              curl -s -X DELETE {{{url}}}/v1/{{{seeded}}}
              curl -s -X POST {{{url}}}/v1/tasks -H 'content-type: application/json' -d '{"task":{"title":""}}'     # 400 with field violations

            Press Ctrl+C to stop.
            """).ConfigureAwait(false);

        await server.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
        return StraitCommand.Success;
    }

    // One task created through the gateway itself, so the printed commands work as pasted.
    private static async Task<string> SeedAsync(string url, CancellationToken cancellation)
    {
        using var http = new HttpClient();
        using var body = new StringContent("""{"task":{"title":"Try Strait","priority":"PRIORITY_HIGH","tags":["demo"]}}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(url + "/v1/tasks"), body, cancellation).ConfigureAwait(false);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
        return json.RootElement.GetProperty("name").GetString()!;
    }
}
