using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Echo.V1;

namespace Strait.Tests.EndToEnd.Fuzz;

/// <summary>
/// Valid requests, one or more per edge, against the node-echo backend's EchoService and StreamService: what the
/// mutator starts from. Each one is answered 200 (or 101) by an unbroken gateway.
/// </summary>
internal static class FuzzSeeds
{
    public const string EchoJson = """
        {"id":"fz","int32Value":-7,"int64Value":"9007199254740993","uint64Value":"18446744073709551615","sint32Value":3,
         "fixed64Value":"12","doubleValue":1.5e300,"floatValue":-0.25,"boolValue":true,"bytesValue":"AAEC/w==","color":"COLOR_RED",
         "nested":{"label":"n","count":2,"notes":["a","b"]},"strings":["x","y"],"int64List":["1","-2"],"labels":{"k":"v"},
         "nestedById":{"5":{"label":"five"}},"choiceText":"t","timestamp":"2026-12-07T10:00:00.123Z","duration":"1.5s",
         "fieldMask":"id,nested.label","structValue":{"a":[1,"b",null,true]},"anyValue":{"x":1},"stringWrapper":"w",
         "int64Wrapper":"5","optionalText":""}
        """;

    private const string Echo = "/strait.echo.v1.EchoService/Echo";
    private const string ClientStream = "/strait.echo.v1.StreamService/ClientStream";
    private const string ServerStream = "/strait.echo.v1.StreamService/ServerStream";

    public static IReadOnlyList<FuzzRequest> All { get; } = Build();

    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    private static List<FuzzRequest> Build()
    {
        var echo = new EchoRequest
        {
            Id = "fz",
            Int64Value = long.MinValue,
            Nested = new Nested { Label = "n", Count = 3 },
            Strings = { "a", "b" },
            Labels = { ["k"] = "v" },
            Timestamp = Timestamp.FromDateTime(new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc)),
        }.ToByteArray();
        var echoFrame = Frame(echo);
        var streamFrames = (byte[])[.. Frame(new StreamRequest { Text = "a" }.ToByteArray()), .. Frame(new StreamRequest { Text = "b" }.ToByteArray())];
        var serverStreamFrame = Frame(new StreamRequest { Text = "s", Count = 2 }.ToByteArray());
        var json = Encoding.UTF8.GetBytes(EchoJson.ReplaceLineEndings(string.Empty));
        (string, string)[] jsonHeaders = [("Host", "127.0.0.1"), ("Content-Type", "application/json"), ("X-User-Role", " Admin ")];
        (string, string)[] grpcWeb = [("Host", "127.0.0.1"), ("Content-Type", "application/grpc-web+proto"), ("X-Grpc-Web", "1"), ("Accept", "application/grpc-web+proto")];
        (string, string)[] grpcWebText = [("Host", "127.0.0.1"), ("Content-Type", "application/grpc-web-text"), ("X-Grpc-Web", "1")];
        (string, string)[] grpc = [("Content-Type", "application/grpc"), ("TE", "trailers"), ("grpc-timeout", "5S")];
        (string, string)[] webSocket = [("Host", "127.0.0.1"), ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")];

        List<FuzzRequest> seeds =
        [
            Seed("rest", FuzzTransport.Http1, "POST", "/v1/echo", jsonHeaders, json),
            Seed("rest", FuzzTransport.Http1, "GET", "/v1/echo/abc?int32Value=5&strings=a&strings=b&nested.label=x&color=COLOR_BLUE&timestamp=2026-01-01T00:00:00Z", [("Host", "127.0.0.1")], []),
            Seed("rest", FuzzTransport.Http1, "POST", Echo, jsonHeaders, json),
            Seed("rest-stream", FuzzTransport.Http1, "GET", "/v1/stream/tick?count=2", [("Host", "127.0.0.1")], []),
            Seed("rest-stream", FuzzTransport.Http1, "GET", "/v1/stream/tick?count=2", [("Host", "127.0.0.1"), ("Accept", "text/event-stream"), ("Last-Event-ID", "4")], []),
            Seed("rest-stream", FuzzTransport.Http1, "POST", ClientStream, [("Host", "127.0.0.1"), ("Content-Type", "application/x-ndjson")], "{\"text\":\"a\"}\n{\"text\":\"b\"}\n"u8.ToArray()),
            Seed("rest-stream", FuzzTransport.Http1, "POST", ClientStream, [("Host", "127.0.0.1"), ("Content-Type", "application/json")], "[{\"text\":\"a\"},{\"text\":\"b\",\"count\":1}]"u8.ToArray()),
            Seed("grpc-web", FuzzTransport.Http1, "POST", Echo, grpcWeb, echoFrame),
            Seed("grpc-web", FuzzTransport.Http1, "POST", ServerStream, grpcWeb, serverStreamFrame),
            Seed("grpc-web-text", FuzzTransport.Http1, "POST", Echo, grpcWebText, Encoding.ASCII.GetBytes(Convert.ToBase64String(echoFrame))),
            Seed("websocket", FuzzTransport.Http1, "GET", "/v1/chat", webSocket, []),
            Seed("grpc", FuzzTransport.Http2, "POST", Echo, grpc, echoFrame),
            Seed("grpc", FuzzTransport.Http2, "POST", ClientStream, grpc, streamFrames),
            Seed("grpc", FuzzTransport.Http2, "POST", ServerStream, grpc, serverStreamFrame),
            Seed("grpc-web", FuzzTransport.Http2, "POST", ClientStream, [("Content-Type", "application/grpc-web"), ("X-Grpc-Web", "1")], streamFrames),
            Seed("rest", FuzzTransport.Http2, "POST", "/v1/echo", [("Content-Type", "application/json")], json),
            Seed("rest-stream", FuzzTransport.Http2, "POST", ClientStream, [("Content-Type", "application/x-ndjson")], "{\"text\":\"a\"}\n{\"text\":\"b\"}\n"u8.ToArray()),
        ];
        seeds.Find(s => s.Edge == "websocket")!.WebSocketFrames.AddRange(["{\"text\":\"hi\"}"u8.ToArray(), "{\"text\":\"again\",\"count\":2}"u8.ToArray()]);
        return seeds;
    }

    private static FuzzRequest Seed(string edge, FuzzTransport transport, string method, string target, IEnumerable<(string, string)> headers, byte[] body) =>
        new(edge, transport, method, target, headers, body) { OriginalBodyLength = body.Length };
}
