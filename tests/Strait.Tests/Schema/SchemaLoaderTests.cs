using Google.Protobuf;
using Google.Protobuf.Reflection;
using Strait.Schema;

namespace Strait.Tests.Schema;

public sealed class SchemaLoaderTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("strait-schema-tests-");

    public void Dispose() => directory.Delete(recursive: true);

    private const string LibraryProto = """
        syntax = "proto3";
        package library.v1;
        import "google/api/annotations.proto";
        import "google/protobuf/timestamp.proto";
        import "google/rpc/status.proto";

        service Library {
          rpc GetBook(GetBookRequest) returns (Book) {
            option (google.api.http) = { get: "/v1/{name=shelves/*/books/*}" };
          }
          rpc Plain(Book) returns (Book);
        }
        message GetBookRequest { string name = 1; }
        message Book {
          string name = 1;
          google.protobuf.Timestamp published = 2;
          google.rpc.Status last_error = 3;
          message Chapter { string title = 1; }
          repeated Chapter chapters = 4;
          enum Kind { KIND_UNSPECIFIED = 0; NOVEL = 1; }
          Kind kind = 5;
        }
        """;

    [Fact]
    public void Compiles_proto_with_google_imports_using_the_bundled_descriptors()
    {
        var file = Write("library/v1/library.proto", LibraryProto);

        var set = ProtocCompiler.Locate().Compile([file], [directory.FullName]);
        var registry = SchemaLoader.Load([set]);

        var service = Assert.Single(registry.Services);
        Assert.Equal("library.v1.Library", service.FullName);
        var getBook = registry.FindMethod("/library.v1.Library/GetBook");
        Assert.NotNull(getBook);
        Assert.Equal("/v1/{name=shelves/*/books/*}", SchemaRegistry.HttpRuleOf(getBook!)!.Get);
        Assert.Null(SchemaRegistry.HttpRuleOf(registry.FindMethod("/library.v1.Library/Plain")!));
        Assert.NotNull(registry.FindMessageType("library.v1.Book.Chapter"));
        Assert.NotNull(registry.FindEnumType("library.v1.Book.Kind"));
        Assert.Equal("google.rpc.Status", registry.FindMessageType("library.v1.Book")!.FindFieldByName("last_error").MessageType.FullName);
    }

    [Fact]
    public void Each_files_folder_is_the_import_root_when_no_proto_path_is_given()
    {
        var file = Write("flat.proto", LibraryProto.Replace("package library.v1;", "package flat;", StringComparison.Ordinal));

        var registry = SchemaLoader.Load([ProtocCompiler.Locate().Compile([file], [])]);

        Assert.NotNull(registry.FindMethod("/flat.Library/GetBook"));
    }

    [Fact]
    public void Protoc_errors_name_the_file_and_line()
    {
        var file = Write("broken.proto", "syntax = \"proto3\";\nmessage Broken { strin name = 1; }\n");

        var error = Assert.Throws<SchemaException>(() => ProtocCompiler.Locate().Compile([file], []));

        Assert.Contains("broken.proto:2", error.Message, StringComparison.Ordinal);
        Assert.Contains("strin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_proto_file_is_named()
    {
        var error = Assert.Throws<SchemaException>(() => ProtocCompiler.Locate().Compile([Path.Combine(directory.FullName, "nope.proto")], []));

        Assert.Contains("nope.proto", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptor_set_without_bundled_imports_is_completed()
    {
        var set = new FileDescriptorSet();
        set.File.Add(FileDescriptorProto.Parser.ParseFrom(Todo.V1.TodoReflection.Descriptor.SerializedData));

        var registry = SchemaLoader.Load([set]);

        var method = registry.FindMethod("/todo.v1.TaskService/UpdateTask");
        Assert.NotNull(method);
        var rule = SchemaRegistry.HttpRuleOf(method!);
        Assert.Equal("/v1/{task.name=tasks/*}", rule!.Patch);
        Assert.Equal("task", rule.Body);
        Assert.Equal(6, registry.Services[0].Methods.Count);
    }

    [Fact]
    public void Missing_import_that_is_not_bundled_is_named()
    {
        var proto = new FileDescriptorProto { Name = "a.proto", Package = "a", Syntax = "proto3" };
        proto.Dependency.Add("company/common.proto");
        var set = new FileDescriptorSet();
        set.File.Add(proto);

        var error = Assert.Throws<SchemaException>(() => SchemaLoader.Load([set]));

        Assert.Contains("'a.proto' imports 'company/common.proto'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_descriptor_is_reported_with_the_element()
    {
        var proto = new FileDescriptorProto { Name = "bad.proto", Package = "bad", Syntax = "proto3" };
        var message = new DescriptorProto { Name = "Thing" };
        message.Field.Add(new FieldDescriptorProto
        {
            Name = "other",
            Number = 1,
            Type = FieldDescriptorProto.Types.Type.Message,
            TypeName = ".bad.Missing",
            Label = FieldDescriptorProto.Types.Label.Optional,
        });
        proto.MessageType.Add(message);
        var set = new FileDescriptorSet();
        set.File.Add(proto);

        var error = Assert.Throws<SchemaException>(() => SchemaLoader.Load([set]));

        Assert.Contains("bad.Thing.other", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_file_twice_with_different_contents_is_an_error()
    {
        var first = new FileDescriptorSet();
        first.File.Add(new FileDescriptorProto { Name = "x.proto", Package = "one", Syntax = "proto3" });
        var second = new FileDescriptorSet();
        second.File.Add(new FileDescriptorProto { Name = "x.proto", Package = "two", Syntax = "proto3" });

        var error = Assert.Throws<SchemaException>(() => SchemaLoader.Load([first, second]));

        Assert.Contains("'x.proto' is given twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptor_set_file_that_is_not_one_is_named()
    {
        var path = Write("garbage.pb", "this is not protobuf \u0001\u0002");

        var error = Assert.Throws<SchemaException>(() => SchemaLoader.ReadDescriptorSetFile(path));

        Assert.Contains("garbage.pb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptor_set_file_round_trips_through_protoc_output()
    {
        var file = Write("library/v1/library.proto", LibraryProto);
        var set = ProtocCompiler.Locate().Compile([file], [directory.FullName]);
        var path = Path.Combine(directory.FullName, "library.pb");
        File.WriteAllBytes(path, set.ToByteArray());

        var registry = SchemaLoader.Load([SchemaLoader.ReadDescriptorSetFile(path)]);

        Assert.NotNull(registry.FindMethod("/library.v1.Library/GetBook"));
        Assert.Contains(registry.ToDescriptorSet().File, f => f.Name == "google/api/http.proto");
    }

    private string Write(string relativePath, string content)
    {
        var path = Path.Combine(directory.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
