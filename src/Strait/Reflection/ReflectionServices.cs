using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Strait.Wire;

namespace Strait.Reflection;

/// <summary>
/// The server side of gRPC reflection, both editions (v1 and v1alpha share their messages field for field). Each
/// stream takes the index current when it starts and answers every request from it.
/// </summary>
internal static class ReflectionServices
{
    public const string V1ServiceName = "grpc.reflection.v1.ServerReflection";
    public const string V1AlphaServiceName = "grpc.reflection.v1alpha.ServerReflection";

    private static readonly Lazy<FileDescriptor> V1AlphaFile = new(BuildV1AlphaFile);

    /// <summary>The reflection protocol's own files, so that a reflection server can describe itself.</summary>
    public static IReadOnlyList<FileDescriptor> ProtocolFiles => [ReflectionReflection.Descriptor, V1AlphaFile.Value];

    /// <summary>The v1 and v1alpha services, answering from whatever <paramref name="index"/> returns when a stream starts.</summary>
    /// <param name="authorize">Throws a <see cref="GrpcException"/> (PERMISSION_DENIED) for callers that may not reflect; everyone may when null.</param>
    public static IReadOnlyList<GrpcServiceDefinition> Create(Func<ReflectionIndex> index, Action<ServerCallContext>? authorize = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        Task Handle(IAsyncStreamReader<ServerReflectionRequest> requests, IServerStreamWriter<ServerReflectionResponse> responses, ServerCallContext context)
        {
            authorize?.Invoke(context);
            return AnswerAsync(index(), requests, responses, context.CancellationToken);
        }

        return
        [
            new GrpcServiceDefinition(V1ServiceName).AddDuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo", ServerReflectionRequest.Parser, Handle),
            new GrpcServiceDefinition(V1AlphaServiceName).AddDuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo", ServerReflectionRequest.Parser, Handle),
        ];
    }

    private static async Task AnswerAsync(
        ReflectionIndex index,
        IAsyncStreamReader<ServerReflectionRequest> requests,
        IServerStreamWriter<ServerReflectionResponse> responses,
        CancellationToken cancellationToken)
    {
        while (await requests.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(index.Answer(requests.Current), cancellationToken).ConfigureAwait(false);
        }
    }

    // v1alpha's file is v1's with the package renamed; built from v1 so that the two cannot drift apart.
    private static FileDescriptor BuildV1AlphaFile()
    {
        var proto = FileDescriptorProto.Parser.ParseFrom(ReflectionReflection.Descriptor.SerializedData);
        proto.Name = "grpc/reflection/v1alpha/reflection.proto";
        proto.Package = "grpc.reflection.v1alpha";
        foreach (var message in proto.MessageType)
        {
            foreach (var field in message.Field)
            {
                if (field.HasTypeName)
                {
                    field.TypeName = field.TypeName.Replace(".grpc.reflection.v1.", ".grpc.reflection.v1alpha.", StringComparison.Ordinal);
                }
            }
        }

        foreach (var method in proto.Service.SelectMany(s => s.Method))
        {
            method.InputType = method.InputType.Replace(".grpc.reflection.v1.", ".grpc.reflection.v1alpha.", StringComparison.Ordinal);
            method.OutputType = method.OutputType.Replace(".grpc.reflection.v1.", ".grpc.reflection.v1alpha.", StringComparison.Ordinal);
        }

        return FileDescriptor.BuildFromByteStrings([Google.Protobuf.ByteString.CopyFrom(Google.Protobuf.MessageExtensions.ToByteArray(proto))])[0];
    }
}
