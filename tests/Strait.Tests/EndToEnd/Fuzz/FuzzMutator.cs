using System.Buffers.Binary;
using System.Text;

namespace Strait.Tests.EndToEnd.Fuzz;

/// <summary>
/// Breaks a valid request in one to three ways, chosen by a seeded <see cref="Random"/>: bytes of the body, tokens a
/// parser cares about, gRPC frame headers, the target, headers, the method, the chunked framing, or the raw bytes of the
/// whole request. The same seed always gives the same request.
/// </summary>
internal static class FuzzMutator
{
    private static readonly string[] BodyTokens =
    [
        "\"", "{", "}", "[", "]", ",", ":", "null", "-0", "1e999", "-1e-999", "\"\\ud800\"", "\\u0000", "99999999999999999999999",
        "\"NaN\"", "\"-Infinity\"", "true", "\"\\", "0x10", "1.0", "\"1.5\"", "\"2026-13-45T99:99:99Z\"", "\"-315576000001s\"",
        "\"COLOR_PURPLE\"", "\"9223372036854775808\"", "\"AAE=\"", "\"!!!\"", "{\"@type\":\"x\"}", "\"\u00e9\u2603\"", "\t", "\n", "\r\n",
    ];

    private static readonly string[] PathTokens =
    [
        "..", "%2e%2e", "%2E.", ".", "%00", "%", "%zz", "//", "/./", "/../", "?", "#", ";", "\\", "%2f", "~", "{", "}", "*", ":",
        "%c3%28", "\u00e9", " ", "%20", "?a=%", "?a&&=b", "?int32Value=99999999999", "?nested.nested.x=1", "?count=-1", "?count=100000",
        "?%E2%82=1", "?strings", "?@type=x",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "FOO", "CONNECT"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-16", "application/x-ndjson", "text/plain", "application/grpc",
        "application/grpc+json", "application/grpc-web", "application/grpc-web+proto", "application/grpc-web-text",
        "application/grpc-web-text+proto", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", ";;;",
        "application/json; charset=\"", "*/*",
    ];

    private static readonly (string Name, Func<Random, string> Value)[] ExtraHeaders =
    [
        ("Connection", _ => "close, X-User-Role"),
        ("X-Request-Timeout", r => Pick(r, ["0", "-1", "1ms", "1e9", "abc", "5", "0.001"])),
        ("grpc-timeout", r => Pick(r, ["0n", "1m", "99999999S", "S", "-1S", "1H", "1x", "100000000n"])),
        ("grpc-encoding", r => Pick(r, ["gzip", "identity", "br", "deflate", "gzip, gzip", ""])),
        ("grpc-accept-encoding", r => Pick(r, ["gzip", "x", ""])),
        ("Accept", r => Pick(r, ["text/event-stream", "application/x-ndjson", "*/*", "application/grpc-web-text", "x/y;q=x"])),
        ("Origin", r => Pick(r, ["https://evil.example", "null", "http://127.0.0.1"])),
        ("Idempotency-Key", r => Pick(r, ["k1", "", new string('k', 300)])),
        ("X-User-Role", r => new string('R', r.Next(1, 9000))),
        ("Expect", _ => "100-continue"),
        ("Content-Encoding", r => Pick(r, ["gzip", "br"])),
        ("Last-Event-ID", r => Pick(r, ["-1", "x", "99999999999999999999"])),
        ("traceparent", r => Pick(r, ["00-zz-zz-00", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ""])),
        ("X-Forwarded-For", r => Pick(r, ["1.2.3.4, ::1", "garbage"])),
        ("grpc-metadata-x-a", _ => "\u00ff"),
        ("x-bin-bin", r => Pick(r, ["!!!", "AAE="])),
        ("Sec-WebSocket-Version", r => Pick(r, ["8", "x"])),
    ];

    // HttpClient stalls on a :path past its header list limit instead of failing, so HTTP/2 targets stay under it; the
    // raw HTTP/1.1 cases send the long ones.
    private const int MaxHttp2TargetLength = 8000;

    public static FuzzRequest Mutate(FuzzRequest seed, Random random)
    {
        var request = seed.Clone();
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            Apply(request, random);
        }

        return request;
    }

    private static void Apply(FuzzRequest request, Random random)
    {
        var http1 = request.Transport == FuzzTransport.Http1;
        switch (random.Next(http1 ? 12 : 9))
        {
            case 0 or 1:
                request.Body = DamageBytes(request.Body, random);
                break;
            case 2:
                request.Body = InsertToken(request.Body, random);
                break;
            case 3:
                request.Body = DamageFrameHeader(request.Body, random);
                break;
            case 4:
                request.Target = DamageTarget(request.Target, random, http1 ? 20_000 : MaxHttp2TargetLength);
                break;
            case 5:
                DamageHeaders(request, random);
                break;
            case 6:
                // HttpClient takes CONNECT for a tunnel of its own, so it is sent raw only.
                request.Method = Pick(random, http1 ? Methods : Methods[..^1]);
                break;
            case 7:
                SetHeader(request, "Content-Type", Pick(random, ContentTypes));
                break;
            case 8:
                if (request.WebSocketFrames.Count > 0)
                {
                    var frame = random.Next(request.WebSocketFrames.Count);
                    request.WebSocketFrames[frame] = random.Next(2) == 0 ? DamageBytes(request.WebSocketFrames[frame], random) : InsertToken(request.WebSocketFrames[frame], random);
                }
                else
                {
                    request.Body = [.. request.Body, .. request.Body];
                }

                break;
            case 9:
                request.Chunked = true;
                if (random.Next(2) == 0)
                {
                    request.ChunkSizeOverride = Pick(random, ["FFFFFFFFFFFFFFFFFF", "-1", "1;ext=\"x\"", "zz", "0", "ffffffff", "1 ", "", "100000000"]);
                }

                break;
            case 10:
                request.StaleContentLength = true;
                request.Body = random.Next(2) == 0 ? request.Body[..(request.Body.Length / 2)] : [.. request.Body, .. "{}"u8];
                break;
            default:
                var damage = random.Next();
                request.RawDamage = bytes => DamageBytes(bytes, new Random(damage));
                break;
        }
    }

    private static byte[] DamageBytes(byte[] bytes, Random random)
    {
        if (bytes.Length == 0)
        {
            return [(byte)random.Next(256)];
        }

        var position = random.Next(bytes.Length);
        return random.Next(6) switch
        {
            0 => FlipBit(bytes, position, random),
            1 => [.. bytes[..position], (byte)random.Next(256), .. bytes[position..]],
            2 => [.. bytes[..position], .. bytes[Math.Min(bytes.Length, position + random.Next(1, 16))..]],
            3 => bytes[..position],
            4 => [.. bytes[..position], .. bytes[position..Math.Min(bytes.Length, position + random.Next(1, 64))], .. bytes[position..]],
            _ => SetByte(bytes, position, Pick<byte>(random, [0, 0x7f, 0x80, 0xff, (byte)'\r', (byte)'\n', (byte)'"', (byte)'\\', (byte)'%'])),
        };
    }

    private static byte[] FlipBit(byte[] bytes, int position, Random random)
    {
        var copy = (byte[])bytes.Clone();
        copy[position] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[] SetByte(byte[] bytes, int position, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[position] = value;
        return copy;
    }

    private static byte[] InsertToken(byte[] bytes, Random random)
    {
        var token = random.Next(8) == 0
            ? (random.Next(2) == 0 ? new string('[', random.Next(64, 2000)) : "\"" + new string('x', random.Next(1000, 70_000)) + "\"")
            : Pick(random, BodyTokens);
        var position = bytes.Length == 0 ? 0 : random.Next(bytes.Length + 1);
        var replace = random.Next(2) == 0 && position < bytes.Length ? random.Next(1, Math.Min(12, bytes.Length - position) + 1) : 0;
        return [.. bytes[..position], .. Encoding.UTF8.GetBytes(token), .. bytes[(position + replace)..]];
    }

    private static byte[] DamageFrameHeader(byte[] body, Random random)
    {
        if (body.Length < 5)
        {
            return [.. body, .. FuzzSeeds.Frame([])];
        }

        var copy = (byte[])body.Clone();
        switch (random.Next(4))
        {
            case 0:
                copy[0] = Pick<byte>(random, [1, 2, 0x80, 0xff]);
                break;
            case 1:
                var declared = Pick(random, [0u, 1u, 4u * 1024 * 1024, 4u * 1024 * 1024 + 1, uint.MaxValue, (uint)random.Next(0, 100_000)]);
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(1), declared);
                break;
            case 2:
                return [.. copy, .. copy[..random.Next(1, 6)]];
            default:
                return [.. copy, 0x80, 0, 0, 0, 0];
        }

        return copy;
    }

    private static string DamageTarget(string target, Random random, int longest)
    {
        var token = random.Next(10) == 0 ? new string('a', random.Next(2000, longest)) : Pick(random, PathTokens);
        var position = random.Next(random.Next(2) == 0 ? target.Length + 1 : Math.Max(1, target.IndexOf('?') is var q and >= 0 ? q : target.Length) + 1);
        return target[..position] + token + target[position..];
    }

    private static void DamageHeaders(FuzzRequest request, Random random)
    {
        var choice = random.Next(4);
        if (choice == 0 && request.Headers.Count > 0)
        {
            request.Headers.RemoveAt(random.Next(request.Headers.Count));
        }
        else if (choice == 1 && request.Headers.Count > 0)
        {
            request.Headers.Add(request.Headers[random.Next(request.Headers.Count)]);
        }
        else
        {
            var (name, value) = ExtraHeaders[random.Next(ExtraHeaders.Length)];
            request.Headers.Add((name, value(random)));
        }
    }

    private static void SetHeader(FuzzRequest request, string name, string value)
    {
        request.Headers.RemoveAll(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        request.Headers.Add((name, value));
    }

    private static T Pick<T>(Random random, T[] choices) => choices[random.Next(choices.Length)];
}
