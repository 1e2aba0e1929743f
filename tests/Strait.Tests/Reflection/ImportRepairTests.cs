using Google.Protobuf.Reflection;
using Strait.Reflection;
using Strait.Schema;

namespace Strait.Tests.Reflection;

/// <summary>Files as @grpc/reflection builds them (through protobufjs): made-up names, no imports, well-known types copied.</summary>
public sealed class ImportRepairTests
{
    [Fact]
    public void Imports_are_added_and_copies_of_bundled_files_dropped_so_the_files_load()
    {
        var api = new FileDescriptorProto
        {
            Name = "shop_v1.proto",
            Package = "shop.v1",
            Syntax = "proto3",
            MessageType =
            {
                new DescriptorProto
                {
                    Name = "Order",
                    Field =
                    {
                        Field("placed", 1, ".google.protobuf.Timestamp"),
                        Field("line", 2, "Line"),
                    },
                    NestedType = { new DescriptorProto { Name = "Line", Field = { Field("sku", 1, "Sku") } } },
                },
            },
            Service = { new ServiceDescriptorProto { Name = "Shop", Method = { new MethodDescriptorProto { Name = "Get", InputType = "shop.common.Sku", OutputType = ".shop.v1.Order" } } } },
        };
        var common = new FileDescriptorProto
        {
            Name = "shop_common.proto",
            Package = "shop.common",
            Syntax = "proto3",
            MessageType = { new DescriptorProto { Name = "Sku", Field = { new FieldDescriptorProto { Name = "code", Number = 1, Type = FieldDescriptorProto.Types.Type.String, Label = FieldDescriptorProto.Types.Label.Optional } } } },
        };
        api.MessageType[0].NestedType[0].Field[0].TypeName = ".shop.common.Sku";
        var wellKnownCopy = new FileDescriptorProto
        {
            Name = "google_protobuf.proto",
            Package = "google.protobuf",
            Syntax = "proto3",
            MessageType = { new DescriptorProto { Name = "Timestamp" }, new DescriptorProto { Name = "SomethingNewer" } },
        };

        var repaired = ImportRepair.Apply([api, common, wellKnownCopy]);

        Assert.Equal(["shop_v1.proto", "shop_common.proto"], repaired.Select(f => f.Name));
        Assert.Equal(["google/protobuf/timestamp.proto", "shop_common.proto"], repaired[0].Dependency.Order(StringComparer.Ordinal));
        var set = new FileDescriptorSet();
        set.File.AddRange(repaired);
        var registry = SchemaLoader.Load([set]);
        Assert.Equal("google.protobuf.Timestamp", registry.FindMessageType("shop.v1.Order")!.FindFieldByName("placed").MessageType.FullName);
    }

    [Fact]
    public void Files_that_already_list_their_imports_are_left_as_they_are()
    {
        var files = SchemaVersions.Set("v2").File.Select(f => f.Clone()).ToList();

        var repaired = ImportRepair.Apply(files);

        Assert.Equal(files.Select(f => f.Name), repaired.Select(f => f.Name));
        Assert.Equal(SchemaVersions.Set("v2").File.Select(f => f.Dependency.Count), repaired.Select(f => f.Dependency.Count));
    }

    private static FieldDescriptorProto Field(string name, int number, string type) => new()
    {
        Name = name,
        Number = number,
        Type = FieldDescriptorProto.Types.Type.Message,
        TypeName = type,
        Label = FieldDescriptorProto.Types.Label.Optional,
    };
}
