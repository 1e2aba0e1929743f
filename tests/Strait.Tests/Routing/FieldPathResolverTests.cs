using Strait.Routing;
using Strait.Tests.Routing.Protos;

namespace Strait.Tests.Routing;

public class FieldPathResolverTests
{
    [Theory]
    [InlineData("x", FieldNameMatching.ProtoName, "x")]
    [InlineData("inner.child.value", FieldNameMatching.ProtoName, "inner.child.value")]
    [InlineData("other_inner.depth", FieldNameMatching.ProtoOrJsonName, "other_inner.depth")]
    [InlineData("otherInner.child.numbers", FieldNameMatching.ProtoOrJsonName, "other_inner.child.numbers")]
    [InlineData("customName", FieldNameMatching.ProtoOrJsonName, "renamed")]
    [InlineData("renamed", FieldNameMatching.ProtoOrJsonName, "renamed")]
    [InlineData("tags", FieldNameMatching.ProtoName, "tags")]
    public void Resolves_each_part(string path, object matchingValue, string expected)
    {
        var matching = (FieldNameMatching)matchingValue;
        var resolution = FieldPathResolver.Resolve(ProbeRequest.Descriptor, path, matching);

        Assert.True(resolution.Succeeded, resolution.Error);
        Assert.Equal(expected, string.Join(".", resolution.Fields.Select(f => f.Name)));
        Assert.Null(resolution.Error);
    }

    [Theory]
    [InlineData("nope", FieldNameMatching.ProtoOrJsonName, true, "strait.tests.routing.ProbeRequest has no field 'nope'")]
    [InlineData("customName", FieldNameMatching.ProtoName, true, "strait.tests.routing.ProbeRequest has no field 'customName'")]
    [InlineData("otherInner.depth", FieldNameMatching.ProtoName, true, "has no field 'otherInner'")]
    [InlineData("inner.nope", FieldNameMatching.ProtoName, true, "strait.tests.routing.Inner has no field 'nope'")]
    [InlineData("x.y", FieldNameMatching.ProtoName, false, "'x.y' goes through 'x', which is not a singular message field")]
    [InlineData("inners.value", FieldNameMatching.ProtoName, false, "goes through 'inners'")]
    [InlineData("inner_map.value", FieldNameMatching.ProtoName, false, "goes through 'inner_map'")]
    [InlineData("", FieldNameMatching.ProtoName, false, "the field path is empty")]
    [InlineData("inner..value", FieldNameMatching.ProtoName, false, "'inner..value' has an empty field name")]
    [InlineData("inner.", FieldNameMatching.ProtoName, false, "has an empty field name")]
    public void Reports_why_a_path_does_not_resolve(string path, object matchingValue, bool unknown, string error)
    {
        var matching = (FieldNameMatching)matchingValue;
        var resolution = FieldPathResolver.Resolve(ProbeRequest.Descriptor, path, matching);

        Assert.False(resolution.Succeeded);
        Assert.Null(resolution.Fields);
        Assert.Equal(unknown, resolution.IsUnknownField);
        Assert.Contains(error, resolution.Error, StringComparison.Ordinal);
    }
}
