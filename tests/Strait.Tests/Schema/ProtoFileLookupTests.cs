using Strait.Schema;

namespace Strait.Tests.Schema;

/// <summary>
/// protoc's file convention for <c>--proto</c>: a path on disk, or else a path relative to an import root
/// (<c>--proto todo/v1/todo.proto -I api</c>), registered under its import name either way.
/// </summary>
public sealed class ProtoFileLookupTests : IDisposable
{
    private const string TodoProto = """
        syntax = "proto3";
        package todo.v1;
        import "google/api/annotations.proto";

        service TaskService {
          rpc GetTask(Task) returns (Task) {
            option (google.api.http) = { get: "/v1/{name=tasks/*}" };
          }
        }
        message Task { string name = 1; }
        """;

    private const string BoardProto = """
        syntax = "proto3";
        package board.v1;
        import "todo/v1/todo.proto";

        service Board {
          rpc Pin(todo.v1.Task) returns (todo.v1.Task);
        }
        """;

    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("strait-proto-lookup-tests-");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public void A_path_relative_to_an_import_root_is_found_under_it()
    {
        Write("api/todo/v1/todo.proto", TodoProto);

        var set = ProtocCompiler.Locate().Compile(["todo/v1/todo.proto"], [Root("api")]);

        Assert.Contains(set.File, f => f.Name == "todo/v1/todo.proto");
        Assert.NotNull(SchemaLoader.Load([set]).FindMethod("/todo.v1.TaskService/GetTask"));
    }

    [Fact]
    public void Roots_are_searched_in_order_and_the_first_that_holds_the_path_wins()
    {
        Write("first/todo/v1/todo.proto", TodoProto);
        Write("second/todo/v1/todo.proto", TodoProto.Replace("package todo.v1;", "package todo.v2;", StringComparison.Ordinal));
        Write("third/other.proto", "syntax = \"proto3\";\npackage other;\n");

        Assert.Equal("todo.v1", Compile("todo/v1/todo.proto", "third", "first", "second"));
        Assert.Equal("todo.v2", Compile("todo/v1/todo.proto", "second", "first"));
    }

    [Fact]
    public void A_file_given_by_its_import_name_and_imported_by_another_is_loaded_once()
    {
        var todo = Write("api/todo/v1/todo.proto", TodoProto);
        var board = Write("api/board/v1/board.proto", BoardProto);

        // By import name, by disk path, mixed, and one file both ways: the same two files every time.
        foreach (var files in new string[][] { ["todo/v1/todo.proto", "board/v1/board.proto"], [todo, board], [board, "todo/v1/todo.proto"], [todo, board, "todo/v1/todo.proto"] })
        {
            var set = ProtocCompiler.Locate().Compile(files, [Root("api")]);

            Assert.Single(set.File, f => f.Name == "todo/v1/todo.proto");
            Assert.Single(set.File, f => f.Name == "board/v1/board.proto");
            var registry = SchemaLoader.Load([set]);
            Assert.NotNull(registry.FindMethod("/todo.v1.TaskService/GetTask"));
            Assert.NotNull(registry.FindMethod("/board.v1.Board/Pin"));
        }
    }

    [Fact]
    public void A_path_found_nowhere_is_named_with_every_root_searched()
    {
        Write("api/todo/v1/todo.proto", TodoProto);
        Directory.CreateDirectory(Root("vendor"));

        var error = Assert.Throws<SchemaException>(() => ProtocCompiler.Locate().Compile(["todo/v2/todo.proto"], [Root("api"), Root("vendor")]));

        Assert.Contains("'todo/v2/todo.proto'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Root("api"), error.Message, StringComparison.Ordinal);
        Assert.Contains(Root("vendor"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_that_leaves_the_import_root_is_not_looked_up_under_it()
    {
        Write("outside.proto", TodoProto);
        Directory.CreateDirectory(Root("api"));

        var error = Assert.Throws<SchemaException>(() => ProtocCompiler.Locate().Compile(["../outside.proto"], [Root("api")]));

        Assert.Contains("'../outside.proto'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_or_root_is_refused_by_name()
    {
        var file = Write("api/todo/v1/todo.proto", TodoProto);

        Assert.Contains("empty", Assert.Throws<SchemaException>(() => ProtocCompiler.Locate().Compile([""], [Root("api")])).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<SchemaException>(() => ProtocCompiler.Locate().Compile([file], [" "])).Message, StringComparison.Ordinal);
    }

    private string Compile(string file, params string[] roots)
    {
        var set = ProtocCompiler.Locate().Compile([file], [.. roots.Select(Root)]);
        return Assert.Single(set.File, f => f.Name == file).Package;
    }

    private string Root(string name) => Path.Combine(directory.FullName, name);

    private string Write(string relativePath, string content)
    {
        var path = Path.Combine(directory.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
