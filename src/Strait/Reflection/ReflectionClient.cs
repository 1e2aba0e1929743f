using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Strait.Schema;
using Strait.Wire;

namespace Strait.Reflection;

/// <summary>
/// Reads a server's schema over gRPC server reflection: <c>grpc.reflection.v1</c>, then <c>v1alpha</c> when the server
/// does not know v1. One stream carries every question: the service list, the file of each service, then each import
/// the answers named but did not include. Imports Strait bundles (google/protobuf, google/api) are not asked for.
/// Files a server built itself, without their imports (@grpc/reflection's), are repaired (<see cref="ImportRepair"/>).
/// </summary>
internal static class ReflectionClient
{
    public const string V1Method = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
    public const string V1AlphaMethod = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

    // A hostile or broken server must not make the gateway fetch without end.
    private const int MaxFiles = 4096;
    private const long MaxTotalBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Services never taken from a backend: the reflection and health protocols describe the server, not its API, and
    /// Strait answers both itself.
    /// </summary>
    public static bool IsInfrastructure(string service) =>
        service.StartsWith("grpc.reflection.", StringComparison.Ordinal) || service == "grpc.health.v1.Health";

    /// <param name="client">The server to ask.</param>
    /// <param name="skip">Services not to fetch (those a pinned descriptor file already defines).</param>
    /// <param name="timeout">For the whole exchange, each edition tried.</param>
    /// <exception cref="ReflectionException">The server does not serve reflection, or its answers are unusable.</exception>
    public static async Task<ReflectedSchema> FetchAsync(GrpcClient client, IReadOnlySet<string> skip, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(skip);
        try
        {
            return await FetchAsync(client, V1Method, "v1", skip, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ReflectionException e) when (e.Code == GrpcStatusCode.Unimplemented)
        {
            return await FetchAsync(client, V1AlphaMethod, "v1alpha", skip, timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<ReflectedSchema> FetchAsync(GrpcClient client, string method, string protocol, IReadOnlySet<string> skip, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var session = new Session(client.StartCall(method, deadlineUtc: DateTime.UtcNow + timeout, cancellationToken: cancellationToken), client.Address);
        var listed = await session.AskAsync(new ServerReflectionRequest { ListServices = "*" }).ConfigureAwait(false);
        if (listed.MessageResponseCase != ServerReflectionResponse.MessageResponseOneofCase.ListServicesResponse)
        {
            throw session.Unexpected("the service list", listed);
        }

        var services = new List<string>();
        var files = new Dictionary<string, FileDescriptorProto>(StringComparer.Ordinal);
        foreach (var service in listed.ListServicesResponse.Service)
        {
            if (IsInfrastructure(service.Name) || skip.Contains(service.Name) || services.Contains(service.Name))
            {
                continue;
            }

            services.Add(service.Name);
            var answer = await session.AskAsync(new ServerReflectionRequest { FileContainingSymbol = service.Name }).ConfigureAwait(false);
            session.AddFiles(answer, $"the file of service '{service.Name}'", files);
        }

        // Imports the answers named but did not carry, until none is missing.
        var asked = new HashSet<string>(StringComparer.Ordinal);
        string? missing;
        while ((missing = FirstMissingImport(files, asked, out var importer)) is not null)
        {
            asked.Add(missing);
            var answer = await session.AskAsync(new ServerReflectionRequest { FileByFilename = missing }).ConfigureAwait(false);
            session.AddFiles(answer, $"'{missing}', imported by '{importer}'", files);
            if (!files.ContainsKey(missing))
            {
                throw new ReflectionException($"{client.Address}: reflection answered the request for '{missing}' (imported by '{importer}') without that file");
            }
        }

        await session.CompleteAsync().ConfigureAwait(false);
        var set = new FileDescriptorSet();
        set.File.AddRange(ImportRepair.Apply(files.Values));
        return new ReflectedSchema(set, services, protocol, Fingerprint(set.File, services));
    }

    private static string? FirstMissingImport(Dictionary<string, FileDescriptorProto> files, HashSet<string> asked, out string? importer)
    {
        foreach (var file in files.Values)
        {
            foreach (var dependency in file.Dependency)
            {
                if (!files.ContainsKey(dependency) && !asked.Contains(dependency) && !BundledProtoFiles.ByName.ContainsKey(dependency))
                {
                    importer = file.Name;
                    return dependency;
                }
            }
        }

        importer = null;
        return null;
    }

    /// <summary>
    /// A digest of the files by name and content, and of <paramref name="claims"/> (which services go where),
    /// independent of the order either arrived in.
    /// </summary>
    public static string Fingerprint(IEnumerable<FileDescriptorProto> files, IEnumerable<string>? claims = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(file.Name));
            hash.AppendData([0]);
            hash.AppendData(file.ToByteArray());
        }

        foreach (var claim in (claims ?? []).Order(StringComparer.Ordinal))
        {
            hash.AppendData([1]);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(claim));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private sealed class Session(GrpcCall call, Uri address) : IAsyncDisposable
    {
        private long totalBytes;

        public async Task<ServerReflectionResponse> AskAsync(ServerReflectionRequest request)
        {
            if (!await call.WriteMessageAsync(request.ToByteArray()).ConfigureAwait(false) | !await call.MoveNextAsync().ConfigureAwait(false))
            {
                // MoveNextAsync has read to the end when the write failed, so the status is there either way.
                while (await call.MoveNextAsync().ConfigureAwait(false))
                {
                }

                var status = call.GetStatus();
                if (status.Code == GrpcStatusCode.Ok)
                {
                    throw new ReflectionException($"{address}: the server ended the reflection stream without answering");
                }

                throw new ReflectionException($"{address}: reflection call failed: {status.Code} {status.Message}".TrimEnd(), status.Code);
            }

            totalBytes += call.Current.Length;
            if (totalBytes > MaxTotalBytes)
            {
                throw new ReflectionException($"{address}: reflection answers exceed {MaxTotalBytes / (1024 * 1024)} MiB");
            }

            try
            {
                return ServerReflectionResponse.Parser.ParseFrom(call.Current.Span);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new ReflectionException($"{address}: reflection answer is not a ServerReflectionResponse: {e.Message}", e);
            }
        }

        public void AddFiles(ServerReflectionResponse answer, string what, Dictionary<string, FileDescriptorProto> files)
        {
            if (answer.MessageResponseCase != ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse)
            {
                throw Unexpected(what, answer);
            }

            foreach (var bytes in answer.FileDescriptorResponse.FileDescriptorProto)
            {
                FileDescriptorProto file;
                try
                {
                    file = FileDescriptorProto.Parser.ParseFrom(bytes);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new ReflectionException($"{address}: {what} is not a FileDescriptorProto: {e.Message}", e);
                }

                if (string.IsNullOrEmpty(file.Name))
                {
                    throw new ReflectionException($"{address}: {what} came as a file without a name");
                }

                files.TryAdd(file.Name, file);
                if (files.Count > MaxFiles)
                {
                    throw new ReflectionException($"{address}: reflection names more than {MaxFiles} files");
                }
            }
        }

        public ReflectionException Unexpected(string what, ServerReflectionResponse answer) =>
            answer.MessageResponseCase == ServerReflectionResponse.MessageResponseOneofCase.ErrorResponse
                ? new ReflectionException(
                    $"{address}: reflection could not give {what}: {(GrpcStatusCode)answer.ErrorResponse.ErrorCode} {answer.ErrorResponse.ErrorMessage}".TrimEnd())
                : new ReflectionException($"{address}: reflection answered the request for {what} with {answer.MessageResponseCase}");

        public async Task CompleteAsync()
        {
            await call.CompleteRequestAsync().ConfigureAwait(false);
            while (await call.MoveNextAsync().ConfigureAwait(false))
            {
            }
        }

        public ValueTask DisposeAsync() => call.DisposeAsync();
    }
}
