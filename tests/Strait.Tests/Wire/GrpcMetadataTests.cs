using Strait.Wire;

namespace Strait.Tests.Wire;

public sealed class GrpcMetadataTests
{
    [Fact]
    public void Keys_are_lower_cased_and_order_is_kept()
    {
        var metadata = new GrpcMetadata
        {
            { "X-Tenant", "a" },
            { "x-other", "b" },
            { "x-tenant", "c" },
        };

        Assert.Equal(["x-tenant", "x-other", "x-tenant"], metadata.Select(e => e.Key));
        Assert.Equal(["a", "c"], metadata.GetValues("X-TENANT"));
        Assert.True(metadata.TryGetValue("x-other", out var other));
        Assert.Equal("b", other);
        Assert.False(metadata.TryGetValue("missing", out _));
        Assert.Empty(metadata.GetValues("missing"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("colon:")]
    [InlineData("ключ")]
    [InlineData("slash/")]
    public void Invalid_keys_are_rejected(string key)
    {
        Assert.False(GrpcMetadata.IsValidKey(key));
        Assert.Throws<ArgumentException>(() => new GrpcMetadata().Add(key, "v"));
    }

    [Theory]
    [InlineData("grpc-status")]
    [InlineData("grpc-timeout")]
    [InlineData("Grpc-Custom")]
    [InlineData("te")]
    [InlineData("content-type")]
    [InlineData("user-agent")]
    [InlineData("connection")]
    [InlineData("transfer-encoding")]
    [InlineData("host")]
    public void Reserved_keys_are_rejected(string key)
    {
        Assert.True(GrpcMetadata.IsReservedKey(key));
        Assert.Throws<ArgumentException>(() => new GrpcMetadata().Add(key, "v"));
    }

    [Theory]
    [InlineData("naïve")]
    [InlineData("line\nbreak")]
    [InlineData("tab\t")]
    public void Text_values_must_be_printable_ascii(string value)
    {
        Assert.Throws<ArgumentException>(() => new GrpcMetadata().Add("x-key", value));
    }

    [Fact]
    public void Binary_values_need_a_bin_key_and_text_values_must_not_use_one()
    {
        var metadata = new GrpcMetadata();

        Assert.Throws<ArgumentException>(() => metadata.Add("x-data", new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-data-bin", "text"));
        metadata.Add("X-Data-Bin", new byte[] { 1, 2, 3 });

        var entry = Assert.Single(metadata);
        Assert.True(entry.IsBinary);
        Assert.Equal("x-data-bin", entry.Key);
        Assert.Equal([1, 2, 3], entry.ValueBytes);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "AQID")]
    [InlineData(new byte[] { 1, 2 }, "AQI")]
    [InlineData(new byte[] { 1 }, "AQ")]
    [InlineData(new byte[0], "")]
    public void Binary_values_are_emitted_as_unpadded_base64(byte[] value, string expected)
    {
        var metadata = new GrpcMetadata { { "x-bin", value } };

        Assert.Equal(expected, metadata[0].Value);
    }

    [Theory]
    [InlineData("AQI=")]
    [InlineData("AQI")]
    [InlineData(" AQI ")]
    public void Binary_values_from_the_wire_accept_padded_and_unpadded_base64(string wire)
    {
        var metadata = new GrpcMetadata();
        metadata.AddFromWire("x-bin", wire);

        Assert.True(metadata.TryGetBinaryValue("x-bin", out var value));
        Assert.Equal([1, 2], value);
    }

    [Fact]
    public void Binary_header_with_comma_separated_values_yields_each_value()
    {
        var metadata = new GrpcMetadata();
        metadata.AddFromWire("x-bin", "AQ,AgM=");

        Assert.Equal([[1], [2, 3]], metadata.GetBinaryValues("x-bin"));
    }

    [Fact]
    public void Wire_headers_that_are_not_valid_user_metadata_are_skipped()
    {
        var metadata = new GrpcMetadata();
        metadata.AddFromWire("grpc-status", "0");
        metadata.AddFromWire("content-type", "application/grpc");
        metadata.AddFromWire(":path", "/x");
        metadata.AddFromWire("x-bin", "!!not base64!!");
        metadata.AddFromWire("x-bin", "A");
        metadata.AddFromWire("x-text", "caf\u00e9");
        metadata.AddFromWire("X-Kept", "yes");

        var entry = Assert.Single(metadata);
        Assert.Equal("x-kept", entry.Key);
        Assert.Equal("yes", entry.Value);
    }

    [Fact]
    public void Text_entry_exposes_ascii_bytes()
    {
        var metadata = new GrpcMetadata { { "x-key", "AB" } };

        Assert.False(metadata[0].IsBinary);
        Assert.Equal("AB"u8.ToArray(), metadata[0].ValueBytes);
    }
}
