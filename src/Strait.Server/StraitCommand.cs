using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Strait.Configuration;
using Strait.Gateway;
using Strait.Hosting;
using Strait.Schema;

namespace Strait.Server;

/// <summary>
/// The <c>strait</c> command line: <c>serve</c>, <c>routes</c>, <c>validate</c>, <c>openapi</c> and <c>demo</c>. Exit codes: 0 success,
/// 2 usage or configuration error (one message naming the problem, never a stack trace), 1 failure at run time.
/// </summary>
internal static class StraitCommand
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    private static readonly Option<string?> ConfigOption = new("--config", "-c")
    {
        Description = "YAML or JSON configuration file (see docs/configuration.md).",
    };

    private static readonly Option<string[]> ProtoOption = new("--proto")
    {
        Description = ".proto file to load (repeatable): a path on disk, or else one relative to a --proto-path, as protoc takes it; compiled with the bundled protoc.",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string[]> ProtoPathOption = new("--proto-path", "-I")
    {
        Description = "Import root for --proto files (repeatable).",
    };

    private static readonly Option<string[]> DescriptorSetOption = new("--descriptor-set")
    {
        Description = "FileDescriptorSet file (protoc --descriptor_set_out --include_imports), repeatable.",
    };

    private static readonly Option<bool> ReflectOption = new("--reflect")
    {
        Description = "Read the default cluster's schema from its server reflection (backend.reflection: true): no proto files needed.",
    };

    private static readonly Option<string[]> BackendOption = new("--backend")
    {
        Description = "Backend gRPC address HOST:PORT, http://HOST:PORT or https://HOST:PORT (repeatable: replicas of the default cluster). A DNS name stands for all its addresses and is re-resolved.",
    };

    private static readonly Option<string?> LbPolicyOption = new("--lb-policy")
    {
        Description = "Load-balancing policy of the default cluster: least_request (default), round_robin, random, weighted, ring_hash or pick_first.",
    };

    private static readonly Option<string?> ListenOption = new("--listen")
    {
        Description = "URL to listen on, e.g. http://127.0.0.1:8080 (HTTP/1.1 and h2c with prior knowledge, so native gRPC too).",
    };

    private static readonly Option<string?> Http2ListenOption = new("--http2-listen")
    {
        Description = "Further URL that speaks HTTP/2 only (h2c), a port of their own for native gRPC clients.",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Strait: an HTTP/JSON ⇄ gRPC gateway.");

        var serve = new Command("serve", "Serve the REST API of the given schema against a gRPC backend.");
        AddSchemaOptions(serve);
        serve.Add(LbPolicyOption);
        serve.Add(ListenOption);
        serve.Add(Http2ListenOption);
        serve.SetAction((parse, cancellation) => Guard(() => ServeAsync(parse, cancellation)));
        root.Add(serve);

        var routes = new Command("routes", "Print the route table the schema and configuration produce.");
        AddSchemaOptions(routes);
        routes.SetAction((parse, cancellation) => Guard(() => PrintRoutes(parse, cancellation)));
        root.Add(routes);

        var validate = new Command("validate", "Check the configuration, schema, routes and header mapping without serving; exit 0 when all are valid.");
        AddSchemaOptions(validate);
        validate.SetAction((parse, cancellation) => Guard(() => Validate(parse, cancellation)));
        root.Add(validate);

        var openApi = new Command("openapi", "Write the OpenAPI 3.1 document of the routes the schema and configuration produce (what /openapi.json serves).");
        AddSchemaOptions(openApi);
        var openApiOutput = new Option<string?>("--output", "-o")
        {
            Description = "File to write; standard output when omitted.",
        };
        openApi.Add(openApiOutput);
        openApi.SetAction((parse, cancellation) => Guard(() => WriteOpenApi(parse, parse.GetValue(openApiOutput), cancellation)));
        root.Add(openApi);

        var demo = new Command("demo", "Run the gateway with three in-process replicas of the todo.v1 demo backend.");
        var demoListen = new Option<string>("--listen")
        {
            Description = "URL the gateway listens on.",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        demo.Add(demoListen);
        demo.SetAction((parse, cancellation) => Guard(() => DemoCommand.RunAsync(parse.GetValue(demoListen)!, cancellation)));
        root.Add(demo);

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await Console.Error.WriteLineAsync("strait: " + error.Message).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync("Run 'strait --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        return await parseResult.InvokeAsync().ConfigureAwait(false);
    }

    private static void AddSchemaOptions(Command command)
    {
        command.Add(ConfigOption);
        command.Add(ProtoOption);
        command.Add(ProtoPathOption);
        command.Add(DescriptorSetOption);
        command.Add(ReflectOption);
        command.Add(BackendOption);
    }

    private static async Task<int> ServeAsync(ParseResult parse, CancellationToken cancellation)
    {
        await using var runtime = GatewayRuntime.Create(LoadSettings(parse, requireBackend: true));
        await using var server = await GatewayServer.StartAsync(runtime, cancellation).ConfigureAwait(false);
        if (server.AdminUrls.Count > 0)
        {
            await Console.Out.WriteLineAsync($"strait: admin on {string.Join(", ", server.AdminUrls)}").ConfigureAwait(false);
        }

        if (server.Http2Urls.Count > 0)
        {
            await Console.Out.WriteLineAsync($"strait: HTTP/2 (gRPC) on {string.Join(", ", server.Http2Urls)}").ConfigureAwait(false);
        }

        await Console.Out.WriteLineAsync($"strait: serving {server.Snapshots.Current.RouteTable.Routes.Count} routes on {string.Join(", ", server.Urls)}").ConfigureAwait(false);
        await server.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
        return Success;
    }

    private static async Task<int> PrintRoutes(ParseResult parse, CancellationToken cancellation)
    {
        await using var runtime = GatewayRuntime.Create(LoadSettings(parse, requireBackend: false));
        var snapshot = await LoadSnapshotAsync(runtime, cancellation).ConfigureAwait(false);
        Console.Out.Write(RouteTableText.Format(snapshot.RouteTable, snapshot.Plans));
        return Success;
    }

    private static async Task<int> WriteOpenApi(ParseResult parse, string? output, CancellationToken cancellation)
    {
        await using var runtime = GatewayRuntime.Create(LoadSettings(parse, requireBackend: false));
        var snapshot = await LoadSnapshotAsync(runtime, cancellation).ConfigureAwait(false);
        if (output is null)
        {
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(snapshot.OpenApiDocument, cancellation).ConfigureAwait(false);
            return Success;
        }

        try
        {
            await File.WriteAllBytesAsync(output, snapshot.OpenApiDocument.ToArray(), cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StraitConfigurationException($"cannot write '{output}': {e.Message}", e);
        }

        return Success;
    }

    private static async Task<int> Validate(ParseResult parse, CancellationToken cancellation)
    {
        await using var runtime = GatewayRuntime.Create(LoadSettings(parse, requireBackend: false));
        var snapshot = await LoadSnapshotAsync(runtime, cancellation).ConfigureAwait(false);
        Console.Out.WriteLine(
            $"strait: configuration is valid: {snapshot.RouteTable.Routes.Count} routes, "
            + $"{snapshot.Headers.Incoming.Count} incoming and {snapshot.Headers.Outgoing.Count} outgoing header rules ({runtime.Options.Headers.Mode} mode)");
        return Success;
    }

    // Without serving: the clusters start (DNS, connections) only when reflection needs their endpoints.
    private static async Task<GatewaySnapshot> LoadSnapshotAsync(GatewayRuntime runtime, CancellationToken cancellation)
    {
        if (runtime.Clusters.AnyReflects)
        {
            await runtime.Clusters.StartAsync(NullLoggerFactory.Instance, cancellation).ConfigureAwait(false);
        }

        await using var refresher = new SchemaRefresher(runtime, NullLogger.Instance);
        return await refresher.LoadAsync(cancellation).ConfigureAwait(false);
    }

    private static StraitSettings LoadSettings(ParseResult parse, bool requireBackend)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        AddList(overrides, "Schema:Protos", parse.GetValue(ProtoOption));
        AddList(overrides, "Schema:ProtoPaths", parse.GetValue(ProtoPathOption));
        AddList(overrides, "Schema:DescriptorSets", parse.GetValue(DescriptorSetOption));
        if (parse.GetResult(BackendOption) is not null)
        {
            AddList(overrides, "Backend:Addresses", parse.GetValue(BackendOption));
        }

        if (parse.GetValue(ReflectOption))
        {
            overrides["Backend:Reflection"] = "true";
        }

        if (parse.GetResult(LbPolicyOption) is not null)
        {
            overrides["Backend:LbPolicy"] = parse.GetValue(LbPolicyOption);
        }

        if (parse.GetResult(ListenOption) is not null)
        {
            overrides["Listen"] = parse.GetValue(ListenOption);
        }

        if (parse.GetResult(Http2ListenOption) is not null)
        {
            overrides["Http2Listen"] = parse.GetValue(Http2ListenOption);
        }

        return StraitConfiguration.Load(parse.GetValue(ConfigOption), overrides, requireBackend);
    }

    private static void AddList(Dictionary<string, string?> overrides, string key, string[]? values)
    {
        for (var i = 0; values is not null && i < values.Length; i++)
        {
            overrides[$"{key}:{i}"] = values[i];
        }
    }

    // User errors (bad flags, files, schemas, configuration) end with one line per problem and exit code 2; a
    // configuration problem's line names the file, and the line and column where a YAML file sets its key.
    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is StraitConfigurationException or SchemaException)
        {
            foreach (var line in e.Message.Split(Environment.NewLine))
            {
                await Console.Error.WriteLineAsync("strait: " + line).ConfigureAwait(false);
            }

            return UsageError;
        }
        catch (OperationCanceledException)
        {
            return Success;
        }
    }
}
