using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Strait.Tests.Json;
using Strait.Tests.Json.Protos;
using Strait.Wire;
using static Strait.Tests.Support.JsonTestSupport;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// The node echo backend, whose ConformanceEcho re-encodes what protobufjs decoded, reached both directly over gRPC
/// and through the gateway process serving samples/node-echo/protos/conformance.proto.
/// </summary>
public sealed class ProtobufJsFixture : IAsyncLifetime
{
    private BackendProcess? backend;
    private GatewayProcess? gateway;
    private GrpcClient? client;

    internal GrpcClient Client => client!;

    internal GatewayProcess Gateway => gateway!;

    public async Task InitializeAsync()
    {
        backend = await BackendProcess.StartNodeEchoAsync();
        client = new GrpcClient(new Uri($"http://{backend.Address}"));
        var protos = Path.Combine(RepositoryPaths.NodeEcho, "protos");
        gateway = await GatewayProcess.StartAsync(
            "--proto", Path.Combine(protos, "conformance.proto"),
            "--proto-path", protos,
            "--proto-path", Path.Combine(RepositoryPaths.Root, "tests", "Strait.Tests", "Protos"),
            "--backend", backend.Address);
    }

    public async Task DisposeAsync()
    {
        client?.Dispose();
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        if (backend is not null)
        {
            await backend.DisposeAsync();
        }
    }
}

/// <summary>
/// Wire bytes from Google.Protobuf and from Strait's codec, checked against a second, independent implementation:
/// protobufjs (through @grpc/proto-loader, as grpc-js servers use it) decodes each message and encodes it again.
/// </summary>
public sealed class ProtobufJsConformanceTests(ProtobufJsFixture fixture) : IClassFixture<ProtobufJsFixture>
{
    private const string EchoMethod = "/strait.conformance.v1.ConformanceEcho/Echo";
    private const int SampleSize = 300;
    private const int GatewaySampleSize = 20;

    [Fact]
    public async Task Google_Protobuf_encoding_comes_back_from_protobufjs_unchanged()
    {
        var generator = new RandomMessageGenerator(7100);
        for (var i = 0; i < SampleSize; i++)
        {
            var message = Comparable(generator.Next<Everything>());

            var received = await EchoAsync(message.ToByteArray());

            AssertSameEncoding(message, received, i);
        }
    }

    [Fact]
    public async Task Our_json_transcodes_to_bytes_protobufjs_writes_back_unchanged_and_back_to_the_same_json()
    {
        var generator = new RandomMessageGenerator(7200);
        for (var i = 0; i < SampleSize; i++)
        {
            var message = Comparable(generator.Next<Everything>());
            var json = ToJson(message);
            var ours = ToBinary(json, Everything.Descriptor);
            Assert.Equal(Convert.ToHexString(message.ToByteArray()), Convert.ToHexString(ours));

            var received = await EchoAsync(ours);

            AssertSameEncoding(message, received, i);
            AssertJsonEquivalent(json, ToJson(received, Everything.Descriptor));
        }
    }

    [Fact]
    public async Task Json_through_the_gateway_and_protobufjs_comes_back_equivalent()
    {
        var generator = new RandomMessageGenerator(7300);
        for (var i = 0; i < GatewaySampleSize; i++)
        {
            var json = ToJson(Comparable(generator.Next<Everything>()));

            using var response = await fixture.Gateway.SendJsonAsync(HttpMethod.Post, EchoMethod, json);
            var body = await response.Content.ReadAsStringAsync();

            Assert.True(response.IsSuccessStatusCode, $"message {i}: {(int)response.StatusCode} {body}");
            AssertJsonEquivalent(json, body);
        }
    }

    // Pins protobufjs 7.6.6's map key bugs (protobufjs/protobuf.js#1203, #1652, #2087; fixed upstream by #2186).
    // When an upgrade makes these fail, remove the matching exclusion from Comparable.
    [Fact]
    public async Task Protobufjs_writes_every_64_bit_map_key_back_as_zero()
    {
        var sent = new Everything
        {
            Maps = new Maps
            {
                Int64Int64 = { [-5] = 1 },
                Uint64Uint64 = { [ulong.MaxValue] = 2 },
                Sint64Sint64 = { [300] = 3 },
                Fixed64Fixed64 = { [5] = 4 },
                Sfixed64Sfixed64 = { [-1] = 5 },
            },
        };

        var received = Everything.Parser.ParseFrom(await EchoAsync(sent.ToByteArray()));

        var expected = new Everything
        {
            Maps = new Maps
            {
                Int64Int64 = { [0] = 1 },
                Uint64Uint64 = { [0] = 2 },
                Sint64Sint64 = { [0] = 3 },
                Fixed64Fixed64 = { [0] = 4 },
                Sfixed64Sfixed64 = { [0] = 5 },
            },
        };
        Assert.Equal(expected, received);
    }

    [Fact]
    public async Task Protobufjs_writes_the_false_map_key_back_as_true()
    {
        var sent = new Everything { Maps = new Maps { BoolBool = { [false] = false } } };

        var received = Everything.Parser.ParseFrom(await EchoAsync(sent.ToByteArray()));

        Assert.Equal(new Everything { Maps = new Maps { BoolBool = { [true] = false } } }, received);
    }

    /// <summary>
    /// Leaves out what protobufjs 7.6.6 cannot round-trip, and nothing else. It decodes a 64-bit map key to an
    /// 8-character "long hash" string that its encoder then parses as a decimal number (so the key is written as 0 or
    /// as the digits the hash starts with, and the call fails when the hash contains '-'), and it keeps the bool key
    /// false as the object key "false", which its encoder writes as true because a non-empty string is truthy.
    /// </summary>
    private static Everything Comparable(Everything message)
    {
        if (message.Maps is { } maps)
        {
            maps.Int64Int64.Clear();
            maps.Uint64Uint64.Clear();
            maps.Sint64Sint64.Clear();
            maps.Fixed64Fixed64.Clear();
            maps.Sfixed64Sfixed64.Clear();
            maps.BoolBool.Remove(false);
        }

        return message;
    }

    private async Task<byte[]> EchoAsync(byte[] request)
    {
        using var result = await fixture.Client.InvokeUnaryAsync(EchoMethod, request, deadlineUtc: DateTime.UtcNow.AddSeconds(10));
        Assert.True(result.Status.Code == GrpcStatusCode.Ok, $"protobufjs failed the call: {result.Status}");
        return result.Message.ToArray();
    }

    /// <summary>
    /// Asserts that protobufjs wrote exactly Google.Protobuf's bytes for <paramref name="sent"/>, except where two
    /// encodings may legitimately differ: the order of map entries (protobufjs writes a JS object's keys, and JS puts
    /// integer-like keys first, in ascending order), the bit pattern of a NaN (V8 canonicalises NaNs it stores in
    /// double arrays, so repeated float and double fields can come back as the positive quiet NaN), and map entry keys
    /// and values holding their default (protobufjs writes them, Google.Protobuf leaves them out).
    /// </summary>
    private static void AssertSameEncoding(Everything sent, byte[] received, int index)
    {
        var parsed = Everything.Parser.ParseFrom(received);
        var expected = sent.Clone();
        AdoptIncidentalDifferences(expected, parsed);
        if (!expected.Equals(parsed))
        {
            Assert.Fail($"message {index} changed in protobufjs:\nsent     {sent}\nreceived {parsed}");
        }

        var comparable = WithoutDefaultMapEntryFields(received, Everything.Descriptor, isMapEntry: false);
        Assert.Equal(Convert.ToHexString(expected.ToByteArray()), Convert.ToHexString(comparable));
    }

    /// <summary>
    /// <paramref name="data"/> without the map entries' key and value fields that hold their default (0, false, "",
    /// empty bytes), which a parser must read as if absent. Message-typed values are written by both implementations.
    /// </summary>
    private static byte[] WithoutDefaultMapEntryFields(byte[] data, MessageDescriptor type, bool isMapEntry)
    {
        var input = new CodedInputStream(data);
        using var output = new MemoryStream();
        while (!input.IsAtEnd)
        {
            var start = (int)input.Position;
            var tag = input.ReadTag();
            var valueStart = (int)input.Position;
            var field = type.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            if (field?.FieldType == FieldType.Message && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                var body = WithoutDefaultMapEntryFields(input.ReadBytes().ToByteArray(), field.MessageType, field.IsMap);
                output.Write(data, start, valueStart - start);
                using (var length = new CodedOutputStream(output, leaveOpen: true))
                {
                    length.WriteLength(body.Length);
                }

                output.Write(body);
                continue;
            }

            input.SkipLastField();
            var end = (int)input.Position;
            var isDefault = data.AsSpan(valueStart, end - valueStart).IndexOfAnyExcept((byte)0) < 0;
            if (!(isMapEntry && isDefault))
            {
                output.Write(data, start, end - start);
            }
        }

        return output.ToArray();
    }

    /// <summary>
    /// Reorders <paramref name="expected"/>'s map entries to <paramref name="actual"/>'s order and takes its NaN bits
    /// where both hold a NaN; nothing else changes, so any real difference still fails the comparison.
    /// </summary>
    private static void AdoptIncidentalDifferences(IMessage expected, IMessage actual)
    {
        foreach (var field in expected.Descriptor.Fields.InFieldNumberOrder())
        {
            var mine = field.Accessor.GetValue(expected);
            var theirs = field.Accessor.GetValue(actual);
            if (field.IsMap)
            {
                AdoptMap((IDictionary)mine, (IDictionary)theirs);
            }
            else if (field.IsRepeated)
            {
                var list = (IList)mine;
                var other = (IList)theirs;
                for (var i = 0; i < Math.Min(list.Count, other.Count); i++)
                {
                    list[i] = Adopt(list[i], other[i]);
                }
            }
            else if (!ReferenceEquals(Adopt(mine, theirs), mine))
            {
                // Only set on a change: setting a oneof member or optional field that was not set would set it.
                field.Accessor.SetValue(expected, theirs);
            }
        }
    }

    private static void AdoptMap(IDictionary map, IDictionary other)
    {
        var position = other.Keys.Cast<object>().Select((key, index) => (key, index)).ToDictionary(p => p.key, p => p.index);
        var keys = map.Keys.Cast<object>().OrderBy(key => position.GetValueOrDefault(key, int.MaxValue)).ToList();
        var values = keys.Select(key => other.Contains(key) ? Adopt(map[key], other[key]) : map[key]).ToList();
        map.Clear();
        for (var i = 0; i < keys.Count; i++)
        {
            map.Add(keys[i], values[i]);
        }
    }

    private static object? Adopt(object? mine, object? theirs)
    {
        switch (mine, theirs)
        {
            case (double a, double b) when double.IsNaN(a) && double.IsNaN(b):
            case (float c, float d) when float.IsNaN(c) && float.IsNaN(d):
                return theirs;
            case (IMessage a, IMessage b):
                AdoptIncidentalDifferences(a, b);
                return mine;
            default:
                return mine;
        }
    }
}
