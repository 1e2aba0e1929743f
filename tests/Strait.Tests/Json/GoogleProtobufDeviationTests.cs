using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Json;
using Strait.Tests.Json.Protos;
using static Strait.Tests.Json.JsonTestSupport;

namespace Strait.Tests.Json;

/// <summary>
/// Cases where Google.Protobuf 3.25.1 departs from the ProtoJSON spec. Each test pins down both
/// behaviours, so an upgrade that fixes Google.Protobuf shows up here.
/// </summary>
public sealed class GoogleProtobufDeviationTests
{
    [Fact]
    public void UnquotedSixtyFourBitIntegersKeepPrecision()
    {
        Assert.Equal(9007199254740992L, Parser.Parse<Scalars>("""{"fInt64":9007199254740993}""").FInt64);
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Scalars>("""{"fUint64":18446744073709551615}"""));

        Assert.Equal(9007199254740993L, FromJson<Scalars>("""{"fInt64":9007199254740993}""").FInt64);
        Assert.Equal(ulong.MaxValue, FromJson<Scalars>("""{"fUint64":18446744073709551615}""").FUint64);
    }

    [Theory]
    [InlineData("\"AP8\"")]
    [InlineData("\"AP-_\"")]
    public void UrlSafeAndUnpaddedBase64AreAccepted(string json)
    {
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Scalars>($$"""{"fBytes":{{json}}}"""));
        Assert.NotEmpty(FromJson<Scalars>($$"""{"fBytes":{{json}}}""").FBytes);
    }

    [Fact]
    public void NullOneofMemberDoesNotCountAsSet()
    {
        Assert.Throws<InvalidProtocolBufferException>(() => Parser.Parse<Oneofs>("""{"choiceInt":null,"choiceString":"x"}"""));
        Assert.Equal("x", FromJson<Oneofs>("""{"choiceInt":null,"choiceString":"x"}""").ChoiceString);
    }

    [Fact]
    public void DuplicateRepeatedKeysKeepOnlyTheLastArray()
    {
        Assert.Equal([1, 2], Parser.Parse<Repeateds>("""{"rInt32":[1],"rInt32":[2]}""").RInt32);

        Assert.Equal([2], FromJson<Repeateds>("""{"rInt32":[1],"rInt32":[2]}""").RInt32);
    }

    [Fact]
    public void UnknownEnumNameIsUnsetWhenIgnoringUnknownFields()
    {
        var googleParser = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
        Assert.Throws<InvalidProtocolBufferException>(() => googleParser.Parse<Scalars>("""{"fEnum":"COLOR_BOGUS"}"""));
        Assert.Equal(new Scalars(), FromJson<Scalars>("""{"fEnum":"COLOR_BOGUS"}""", new JsonReadOptions { IgnoreUnknownFields = true }));
    }

    [Fact]
    public void StructAcceptsAnEmptyKey()
    {
        var message = new WellKnown { Struct = new Struct { Fields = { [""] = Value.ForNumber(1) } } };
        Assert.Throws<InvalidOperationException>(() => Formatter().Format(message));
        Assert.Equal("""{"struct":{"":1}}""", ToJson(message));
        Assert.Equal(message, FromJson<WellKnown>("""{"struct":{"":1}}"""));
    }

    [Fact]
    public void ValueHoldingNaNHasNoJsonForm()
    {
        var message = new WellKnown { Value = Value.ForNumber(double.NaN) };
        Assert.Contains("\"NaN\"", Formatter().Format(message), StringComparison.Ordinal);
        Assert.Throws<ProtobufFormatException>(() => ToJson(message));
    }
}
