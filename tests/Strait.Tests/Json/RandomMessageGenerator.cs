using System.Collections;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Strait.Tests.Json.Protos;

namespace Strait.Tests.Json;

/// <summary>Fills generated messages with random but representable values (seeded, so failures reproduce).</summary>
internal sealed class RandomMessageGenerator(int seed)
{
    private const int MaxDepth = 3;
    private readonly Random random = new(seed);

    public T Next<T>()
        where T : IMessage, new()
    {
        var message = new T();
        Fill(message, 0);
        return message;
    }

    public IMessage Next(MessageDescriptor type)
    {
        var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
        Fill(message, 0);
        return message;
    }

    private void Fill(IMessage message, int depth)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (random.Next(3) == 0)
            {
                continue;
            }

            if (field.IsMap)
            {
                var map = (IDictionary)field.Accessor.GetValue(message);
                var keyField = field.MessageType.FindFieldByNumber(1);
                var valueField = field.MessageType.FindFieldByNumber(2);
                for (var i = random.Next(4); i > 0; i--)
                {
                    if (NextValue(valueField, depth) is { } value)
                    {
                        map[NextValue(keyField, depth)!] = value;
                    }
                }
            }
            else if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                for (var i = random.Next(4); i > 0; i--)
                {
                    if (NextValue(field, depth) is { } value)
                    {
                        list.Add(value);
                    }
                }
            }
            else if (field.RealContainingOneof is { } oneof && oneof.Accessor.GetCaseFieldDescriptor(message) is not null)
            {
                continue;
            }
            else if (NextValue(field, depth) is { } value)
            {
                field.Accessor.SetValue(message, value);
            }
        }
    }

    internal object? NextValue(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.Double => NextDouble(),
        FieldType.Float => NextFloat(),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => NextInt32(),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => NextInt64(),
        FieldType.UInt32 or FieldType.Fixed32 => (uint)NextInt32(),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)NextInt64(),
        FieldType.Bool => random.Next(2) == 0,
        FieldType.String => NextString(),
        FieldType.Bytes => ByteString.CopyFrom(NextBytes()),
        FieldType.Enum => NextEnum(field.EnumType),
        _ => NextMessage(field.MessageType, depth),
    };

    private object NextEnum(EnumDescriptor type)
    {
        if (type.ClrType == typeof(NullValue))
        {
            return NullValue.NullValue;
        }

        var number = random.Next(8) == 0 ? 42 : type.Values[random.Next(type.Values.Count)].Number;
        return System.Enum.ToObject(type.ClrType, number);
    }

    private object? NextMessage(MessageDescriptor type, int depth)
    {
        if (type.File == WrappersReflection.Descriptor)
        {
            // Generated code exposes wrapper fields as nullable primitives.
            return NextValue(type.FindFieldByNumber(1), depth);
        }

        switch (type.FullName)
        {
            case "google.protobuf.Timestamp":
                return new Timestamp { Seconds = random.NextInt64(-62_135_596_800, 253_402_300_800), Nanos = NextNanos() };
            case "google.protobuf.Duration":
                var seconds = random.NextInt64(-315_576_000_000, 315_576_000_001);
                var nanos = NextNanos();
                return new Duration { Seconds = seconds, Nanos = seconds < 0 || (seconds == 0 && random.Next(2) == 0) ? -nanos : nanos };
            case "google.protobuf.FieldMask":
                var mask = new FieldMask();
                for (var i = random.Next(4); i > 0; i--)
                {
                    mask.Paths.Add(string.Join('.', Enumerable.Range(0, random.Next(1, 3)).Select(_ => NextSnakeName())));
                }

                return mask;
            case "google.protobuf.Struct":
                return NextStruct(depth);
            case "google.protobuf.Value":
                return NextJsonValue(depth);
            case "google.protobuf.ListValue":
                return NextList(depth);
            case "google.protobuf.Any":
                return depth >= MaxDepth ? null : Any.Pack(NextAnyPayload(depth));
        }

        if (depth >= MaxDepth)
        {
            return null;
        }

        var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
        Fill(message, depth + 1);
        return message;
    }

    private IMessage NextAnyPayload(int depth) => random.Next(9) switch
    {
        0 => (IMessage)NextMessage(Scalars.Descriptor, depth + 1)!,
        1 => (IMessage?)NextMessage(Nested.Descriptor, depth + 1) ?? new Nested(),
        2 => (IMessage)NextMessage(Timestamp.Descriptor, depth + 1)!,
        3 => (IMessage)NextMessage(Duration.Descriptor, depth + 1)!,
        4 => new Int32Value { Value = NextInt32() },
        5 => NextStruct(depth + 1),
        6 => NextJsonValue(depth + 1),
        7 => (IMessage)NextMessage(FieldMask.Descriptor, depth + 1)!,
        _ => new StringValue { Value = NextString() },
    };

    private Struct NextStruct(int depth)
    {
        var result = new Struct();
        for (var i = depth >= MaxDepth ? 0 : random.Next(4); i > 0; i--)
        {
            result.Fields["k" + NextString()] = NextJsonValue(depth + 1);
        }

        return result;
    }

    private ListValue NextList(int depth)
    {
        var result = new ListValue();
        for (var i = depth >= MaxDepth ? 0 : random.Next(4); i > 0; i--)
        {
            result.Values.Add(NextJsonValue(depth + 1));
        }

        return result;
    }

    private Value NextJsonValue(int depth) => random.Next(depth >= MaxDepth ? 4 : 6) switch
    {
        0 => Value.ForNull(),
        1 => Value.ForNumber(random.Next(2) == 0 ? random.Next(-1000, 1000) : (random.NextDouble() - 0.5) * 1e12),
        2 => Value.ForString(NextString()),
        3 => Value.ForBool(random.Next(2) == 0),
        4 => Value.ForStruct(NextStruct(depth + 1)),
        _ => Value.ForList(NextList(depth + 1).Values.ToArray()),
    };

    private int NextNanos() => random.Next(4) switch
    {
        0 => 0,
        1 => random.Next(1000) * 1_000_000,
        2 => random.Next(1_000_000) * 1000,
        _ => random.Next(1_000_000_000),
    };

    private double NextDouble() => random.Next(10) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => double.MaxValue,
        4 => double.Epsilon,
        5 => random.Next(-100, 100),
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)),
    };

    private float NextFloat() => random.Next(10) switch
    {
        0 => float.NaN,
        1 => float.PositiveInfinity,
        2 => float.NegativeInfinity,
        3 => float.MaxValue,
        4 => float.Epsilon,
        5 => random.Next(-100, 100),
        _ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-40, 38))),
    };

    private int NextInt32() => random.Next(6) switch
    {
        0 => int.MinValue,
        1 => int.MaxValue,
        2 => random.Next(-130, 130),
        _ => random.Next(int.MinValue, int.MaxValue),
    };

    private long NextInt64() => random.Next(6) switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        2 => random.Next(-130, 130),
        _ => random.NextInt64(long.MinValue, long.MaxValue),
    };

    private string NextString()
    {
        const string Alphabet = "abcXYZ019 _-\"\\/\n\t\u0001\u007f\u00e9\u4e2d\u2028<>&'";
        var builder = new StringBuilder();
        for (var i = random.Next(8); i > 0; i--)
        {
            if (random.Next(10) == 0)
            {
                builder.Append(char.ConvertFromUtf32(0x1F600 + random.Next(50)));
            }
            else
            {
                builder.Append(Alphabet[random.Next(Alphabet.Length)]);
            }
        }

        return builder.ToString();
    }

    private string NextSnakeName()
    {
        var words = Enumerable.Range(0, random.Next(1, 3)).Select(_ => new string((char)('a' + random.Next(26)), random.Next(1, 4)));
        return string.Join('_', words);
    }

    private byte[] NextBytes()
    {
        var bytes = new byte[random.Next(6)];
        random.NextBytes(bytes);
        return bytes;
    }
}
