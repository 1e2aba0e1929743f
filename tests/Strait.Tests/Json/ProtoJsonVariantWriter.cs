using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Strait.Tests.Json;

/// <summary>Which non-canonical forms <see cref="ProtoJsonVariantWriter"/> may use.</summary>
internal enum JsonVariants
{
    /// <summary>Forms that both the spec and Google.Protobuf's JsonParser accept, so the two parsers can be compared.</summary>
    AcceptedByJsonParser,

    /// <summary>Every form the spec allows, including those JsonParser rejects or reads differently (see <see cref="GoogleProtobufDeviationTests"/>).</summary>
    AllowedBySpec,
}

/// <summary>
/// Writes a message as valid but non-canonical ProtoJSON that still means the same message: proto and JSON
/// field names mixed, integers as strings or with exponents and fractions, floats in any exact decimal form,
/// escaped characters (surrogate pairs included), shuffled keys, <c>null</c> or explicit defaults for unset
/// fields, keys repeated with an earlier value that the last one overrides, and random whitespace.
/// Seeded, so failures reproduce.
/// </summary>
internal sealed class ProtoJsonVariantWriter(int seed, JsonVariants variants)
{
    // Google.Protobuf reads unquoted numbers as double, which is exact only up to 2^53.
    private const ulong MaxExactDouble = 1UL << 53;
    private const string Whitespace = " \t\n\r";

    private readonly Random random = new(seed);
    private readonly bool allowedBySpec = variants == JsonVariants.AllowedBySpec;

    // An Any holds its payload as bytes, where reordered map entries would compare unequal.
    private int anyDepth;

    public string Write(IMessage message) => Space() + Message(message) + Space();

    private string Message(IMessage message)
    {
        var descriptor = message.Descriptor;
        if (descriptor.File == WrappersReflection.Descriptor)
        {
            var valueField = descriptor.FindFieldByNumber(1);
            return Singular(valueField, valueField.Accessor.GetValue(message));
        }

        return descriptor.FullName switch
        {
            "google.protobuf.Timestamp" => Timestamp((Timestamp)message),
            "google.protobuf.Duration" => Duration((Duration)message),
            "google.protobuf.FieldMask" => String(string.Join(',', ((FieldMask)message).Paths.Select(LowerCamel))),
            "google.protobuf.Struct" => Struct((Struct)message),
            "google.protobuf.Value" => Value((Value)message),
            "google.protobuf.ListValue" => Array(((ListValue)message).Values.Select(Value)),
            "google.protobuf.Any" => Any((Any)message),
            _ => Object(Members(message)),
        };
    }

    private List<Member> Members(IMessage message)
    {
        var members = new List<Member>();
        var oneofsWithNull = new HashSet<OneofDescriptor>();
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (IsSet(message, field, value))
            {
                if (CanRepeatKey(field) && random.Next(10) == 0)
                {
                    // Same group, earlier position: the later value must win.
                    members.Add(new Member(Key(field), EarlierValue(field), field.FieldNumber));
                }

                members.Add(new Member(Key(field), FieldValue(field, value), field.FieldNumber));
            }
            else if (random.Next(6) == 0 && UnsetForm(message, field, oneofsWithNull) is { } unset)
            {
                members.Add(new Member(Key(field), unset, field.FieldNumber));
            }
        }

        return members;
    }

    private static bool IsSet(IMessage message, FieldDescriptor field, object value)
    {
        if (field.IsMap)
        {
            return ((IDictionary)value).Count > 0;
        }

        if (field.IsRepeated)
        {
            return ((IList)value).Count > 0;
        }

        if (field.HasPresence)
        {
            return field.Accessor.HasValue(message);
        }

        return value switch
        {
            double d => BitConverter.DoubleToInt64Bits(d) != 0,
            float f => BitConverter.SingleToInt32Bits(f) != 0,
            string s => s.Length > 0,
            ByteString b => !b.IsEmpty,
            bool b => b,
            ulong u => u != 0,
            _ => Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0,
        };
    }

    /// <summary>
    /// JsonParser rejects a oneof member or proto3 optional field given twice and merges repeated and map
    /// fields given twice (GoogleProtobufDeviationTests.Duplicate_oneof_member_keeps_the_last_value,
    /// Duplicate_optional_field_keeps_the_last_value and Duplicate_repeated_and_map_keys_keep_only_the_last_value), so
    /// those repeat only under the spec.
    /// </summary>
    private bool CanRepeatKey(FieldDescriptor field) =>
        allowedBySpec || (!field.IsRepeated && field.ContainingOneof is null);

    /// <summary>A JSON value that leaves an unset field unset, or null if this field has none worth writing.</summary>
    private string? UnsetForm(IMessage message, FieldDescriptor field, HashSet<OneofDescriptor> oneofsWithNull)
    {
        var nullIsAValue = !field.IsRepeated && (IsValueMessage(field) || (field.HasPresence && IsNullValueEnum(field)));
        if (field.RealContainingOneof is { } oneof)
        {
            // JsonParser counts a null member as set (GoogleProtobufDeviationTests.NullOneofMemberDoesNotCountAsSet).
            var jsonParserAccepts = oneof.Accessor.GetCaseFieldDescriptor(message) is null && oneofsWithNull.Add(oneof);
            return !nullIsAValue && (allowedBySpec || jsonParserAccepts) ? "null" : null;
        }

        if (nullIsAValue)
        {
            return null;
        }

        if (random.Next(2) == 0 || field.HasPresence)
        {
            return "null";
        }

        if (field.IsMap)
        {
            return Object([]);
        }

        return field.IsRepeated ? Array([]) : Singular(field, field.FieldType switch
        {
            FieldType.Double => 0.0,
            FieldType.Float => 0f,
            FieldType.Bool => false,
            FieldType.String => "",
            FieldType.Bytes => ByteString.Empty,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
            FieldType.UInt64 or FieldType.Fixed64 => 0UL,
            FieldType.UInt32 or FieldType.Fixed32 => 0U,
            _ => 0,
        });
    }

    /// <summary>A valid value for the field that a later occurrence of its key overrides.</summary>
    private string EarlierValue(FieldDescriptor field)
    {
        if (field.IsMap)
        {
            return Object([]);
        }

        if (field.IsRepeated)
        {
            return Array([SimpleValue(field)]);
        }

        return random.Next(3) == 0 && !IsValueMessage(field) && !IsNullValueEnum(field) ? "null" : SimpleValue(field);
    }

    private string SimpleValue(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Bool => "true",
        FieldType.String => String("earlier"),
        FieldType.Bytes => String("AQ=="),
        FieldType.Enum => IsNullValueEnum(field) ? "null" : "1",
        FieldType.Message or FieldType.Group => field.MessageType.FullName switch
        {
            "google.protobuf.Timestamp" => String("1970-01-01T00:00:00Z"),
            "google.protobuf.Duration" => String("1s"),
            "google.protobuf.FieldMask" => String("a"),
            "google.protobuf.Value" => "1",
            "google.protobuf.ListValue" => Array([]),
            // JsonParser rejects an Any without "@type"
            // (GoogleProtobufDeviationTests.Any_without_type_URL_is_an_empty_object).
            "google.protobuf.Any" when !allowedBySpec => "null",
            _ when field.MessageType.File == WrappersReflection.Descriptor => SimpleValue(field.MessageType.FindFieldByNumber(1)),
            _ => Object([]),
        },
        _ => "7",
    };

    private string Key(FieldDescriptor field) => String(random.Next(3) == 0 ? field.Name : field.JsonName);

    private string FieldValue(FieldDescriptor field, object value)
    {
        if (field.IsMap)
        {
            var keyField = field.MessageType.FindFieldByNumber(1);
            var valueField = field.MessageType.FindFieldByNumber(2);
            var entries = new List<Member>();
            foreach (DictionaryEntry entry in (IDictionary)value)
            {
                entries.Add(new Member(MapKey(keyField, entry.Key), Singular(valueField, entry.Value!), entries.Count));
            }

            return Object(entries, isMap: true);
        }

        return field.IsRepeated
            ? Array(((IList)value).Cast<object>().Select(element => Singular(field, element)))
            : Singular(field, value);
    }

    private string MapKey(FieldDescriptor keyField, object key) => key switch
    {
        bool b => String(b ? "true" : "false"),
        string s => String(s),
        _ => String(Convert.ToString(key, CultureInfo.InvariantCulture)!),
    };

    private string Singular(FieldDescriptor field, object value) => field.FieldType switch
    {
        FieldType.Double => Double((double)value),
        FieldType.Float => Float((float)value),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Integer((int)value, mayBeUnquoted: true),
        FieldType.UInt32 or FieldType.Fixed32 => Integer((uint)value, mayBeUnquoted: true),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integer((long)value, mayBeUnquoted: allowedBySpec || Int128.Abs((long)value) <= MaxExactDouble),
        FieldType.UInt64 or FieldType.Fixed64 => Integer((ulong)value, mayBeUnquoted: allowedBySpec || (ulong)value <= MaxExactDouble),
        FieldType.Bool => (bool)value ? "true" : "false",
        FieldType.String => String((string)value),
        FieldType.Bytes => Bytes((ByteString)value),
        FieldType.Enum => Enum(field.EnumType, Convert.ToInt32(value, CultureInfo.InvariantCulture)),
        _ when field.MessageType.File == WrappersReflection.Descriptor => Singular(field.MessageType.FindFieldByNumber(1), value),
        _ => Message((IMessage)value),
    };

    private string Integer<T>(T value, bool mayBeUnquoted)
        where T : System.Numerics.IBinaryInteger<T>
    {
        var text = Int128.Abs(Int128.CreateChecked(value)).ToString(CultureInfo.InvariantCulture);
        // JsonParser rejects "-0.0" for unsigned fields (GoogleProtobufDeviationTests.NegativeZeroIsZeroForUnsignedIntegers).
        var negativeZero = T.IsZero(value) && (allowedBySpec || T.IsNegative(T.AllBitsSet)) && random.Next(4) == 0;
        var number = Decimal(T.IsNegative(value) || negativeZero, text, 0);
        return mayBeUnquoted && random.Next(3) > 0 ? number : Quote(number);
    }

    private string Double(double value) => double.IsFinite(value)
        ? Number(value.ToString("R", CultureInfo.InvariantCulture), quotable: true)
        : Quote(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");

    // The shortest float text and the exact text of the widened double both parse back to the same float.
    private string Float(float value) => float.IsFinite(value)
        ? Number(random.Next(2) == 0 ? value.ToString("R", CultureInfo.InvariantCulture) : ((double)value).ToString("R", CultureInfo.InvariantCulture), quotable: true)
        : Double(value);

    /// <summary>Rewrites .NET round-trip text (<c>-1.5E-05</c>) as an equal decimal number, quoted when allowed.</summary>
    private string Number(string roundTrip, bool quotable)
    {
        var negative = roundTrip.StartsWith('-');
        var unsigned = negative ? roundTrip[1..] : roundTrip;
        var exponentAt = unsigned.IndexOf('E', StringComparison.Ordinal);
        var exponent = exponentAt < 0 ? 0 : int.Parse(unsigned[(exponentAt + 1)..], CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? unsigned : unsigned[..exponentAt];
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            exponent -= mantissa.Length - point - 1;
            mantissa = mantissa.Remove(point, 1);
        }

        var number = Decimal(negative, mantissa.TrimStart('0') is { Length: > 0 } digits ? digits : "0", exponent);
        return quotable && random.Next(3) == 0 ? Quote(number) : number;
    }

    /// <summary>
    /// JSON number text for <paramref name="digits"/> × 10^<paramref name="exponent"/>, with the decimal point,
    /// exponent, trailing fraction zeros and exponent letter chosen at random.
    /// </summary>
    private string Decimal(bool negative, string digits, int exponent)
    {
        var sign = negative ? "-" : "";
        if (random.Next(2) == 0)
        {
            // Plain form, when it stays short.
            if (exponent >= 0 && exponent <= 20)
            {
                return sign + (digits == "0" ? "0" : digits + new string('0', exponent)) + Zeros(".");
            }

            if (exponent < 0 && exponent >= -30)
            {
                var padded = digits.PadLeft(-exponent + 1, '0');
                return sign + padded[..(padded.Length + exponent)] + "." + padded[(padded.Length + exponent)..];
            }
        }

        // Move the point so that f digits follow it, padding with leading zeros if needed.
        var fraction = random.Next(digits.Length + 3);
        var all = digits.PadLeft(fraction + 1, '0');
        var integerPart = all[..(all.Length - fraction)];
        var fractionPart = all[(all.Length - fraction)..];
        var shown = exponent + fraction;
        var text = sign + integerPart + (fractionPart.Length > 0 ? "." + fractionPart + Zeros("") : Zeros("."));
        return shown == 0 && random.Next(2) == 0
            ? text
            : text + (random.Next(2) == 0 ? "e" : "E") + (shown >= 0 && random.Next(2) == 0 ? "+" : "") + shown.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Sometimes trailing zeros for a fraction (after <paramref name="prefix"/>), which do not change the value.</summary>
    private string Zeros(string prefix) => random.Next(4) == 0 ? prefix + new string('0', random.Next(1, 4)) : "";

    private string Bytes(ByteString value)
    {
        var text = value.ToBase64();
        if (allowedBySpec)
        {
            // JsonParser rejects these (GoogleProtobufDeviationTests.URL_safe_and_unpadded_base64_are_accepted).
            if (random.Next(2) == 0)
            {
                text = text.Replace('+', '-').Replace('/', '_');
            }

            if (random.Next(2) == 0)
            {
                text = text.TrimEnd('=');
            }
        }

        return String(text);
    }

    private string Enum(EnumDescriptor type, int number)
    {
        if (type.FullName == "google.protobuf.NullValue")
        {
            return random.Next(4) switch
            {
                0 => String("NULL_VALUE"),
                1 => "0",
                _ => "null",
            };
        }

        var names = type.Values.Where(v => v.Number == number).ToList();
        return names.Count > 0 && random.Next(3) > 0
            ? String(names[random.Next(names.Count)].Name)
            : Decimal(number < 0, Math.Abs((long)number).ToString(CultureInfo.InvariantCulture), 0);
    }

    private string Timestamp(Timestamp value)
    {
        var utc = DateTime.UnixEpoch.AddSeconds(value.Seconds);
        // RFC 3339 allows offsets up to ±23:59 and "-00:00", JsonParser only up to ±18:00 and not "-00:00"
        // (GoogleProtobufDeviationTests.TimestampOffsetsCoverRfc3339).
        var maxOffsetMinutes = allowedBySpec ? (23 * 60) + 59 : 18 * 60;
        var offset = random.Next(2) == 0 ? TimeSpan.Zero : TimeSpan.FromMinutes(random.Next(-maxOffsetMinutes, maxOffsetMinutes + 1));
        var localTicks = utc.Ticks + offset.Ticks;
        if (localTicks < DateTime.MinValue.Ticks || localTicks > DateTime.MaxValue.Ticks - TimeSpan.TicksPerSecond)
        {
            offset = TimeSpan.Zero;
        }

        var local = utc + offset;
        var zone = offset == TimeSpan.Zero && random.Next(4) > 0
            ? "Z"
            : (offset < TimeSpan.Zero || (offset == TimeSpan.Zero && allowedBySpec && random.Next(2) == 0) ? "-" : "+") + offset.Duration().ToString("hh\\:mm", CultureInfo.InvariantCulture);
        return String(local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(value.Nanos) + zone);
    }

    private string Duration(Duration value)
    {
        var negative = value.Seconds < 0 || value.Nanos < 0 || (value.Seconds == 0 && value.Nanos == 0 && random.Next(4) == 0);
        return String((negative ? "-" : "") + Math.Abs(value.Seconds).ToString(CultureInfo.InvariantCulture) + Fraction(Math.Abs(value.Nanos)) + "s");
    }

    /// <summary>Nanoseconds as a fraction with any number of digits that keeps the value (none for zero, sometimes).</summary>
    private string Fraction(int nanos)
    {
        var text = nanos.ToString("D9", CultureInfo.InvariantCulture);
        var needed = text.TrimEnd('0').Length;
        var digits = random.Next(needed == 0 && random.Next(2) == 0 ? 0 : Math.Max(needed, 1), 10);
        return digits == 0 ? "" : "." + text[..digits];
    }

    private static string LowerCamel(string path)
    {
        var builder = new StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            builder.Append(path[i] == '_' && i + 1 < path.Length ? char.ToUpperInvariant(path[++i]) : path[i]);
        }

        return builder.ToString();
    }

    private string Struct(Struct value) =>
        Object([.. value.Fields.Select((field, index) => new Member(String(field.Key), Value(field.Value), index))], isMap: true);

    private string Value(Value value) => value.KindCase switch
    {
        Google.Protobuf.WellKnownTypes.Value.KindOneofCase.NullValue => "null",
        Google.Protobuf.WellKnownTypes.Value.KindOneofCase.NumberValue => Number(value.NumberValue.ToString("R", CultureInfo.InvariantCulture), quotable: false),
        Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StringValue => String(value.StringValue),
        Google.Protobuf.WellKnownTypes.Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StructValue => Struct(value.StructValue),
        _ => Array(value.ListValue.Values.Select(Value)),
    };

    private string Any(Any value)
    {
        if (value.TypeUrl.Length == 0)
        {
            return Object([]);
        }

        var type = JsonTestSupport.Registry.Find(Google.Protobuf.WellKnownTypes.Any.GetTypeName(value.TypeUrl))!;
        var payload = type.Parser.ParseFrom(value.Value);
        anyDepth++;
        var members = new List<Member> { new(String("@type"), String(value.TypeUrl), 0) };
        // The spec writes Empty's (no) fields inline; JsonParser needs {"value": {}}
        // (BinaryToJsonTests.Any_holding_Empty_follows_the_spec_rather_than_JsonFormatter).
        var underValue = type.FullName == "google.protobuf.Empty"
            ? !allowedBySpec
            : type.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal);
        if (underValue)
        {
            members.Add(new Member(String("value"), Message(payload), -1));
        }
        else
        {
            members.AddRange(Members(payload));
        }

        anyDepth--;
        return Object(members);
    }

    private string Object(List<Member> members, bool isMap = false)
    {
        if (random.Next(4) > 0 && !(isMap && anyDepth > 0))
        {
            ShuffleKeepingGroupOrder(members);
        }

        var builder = new StringBuilder("{").Append(Space());
        for (var i = 0; i < members.Count; i++)
        {
            builder.Append(i > 0 ? "," + Space() : "").Append(members[i].Key).Append(Space()).Append(':').Append(Space()).Append(members[i].Value).Append(Space());
        }

        return builder.Append('}').ToString();
    }

    private string Array(IEnumerable<string> elements) =>
        "[" + Space() + string.Join("," + Space(), elements.Select(e => e + Space())) + "]";

    /// <summary>Shuffles, then puts the members of each group back in their original relative order.</summary>
    private void ShuffleKeepingGroupOrder(List<Member> members)
    {
        var original = members.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(members));
        foreach (var group in original.GroupBy(m => m.Group))
        {
            var slots = Enumerable.Range(0, members.Count).Where(i => members[i].Group == group.Key).ToList();
            foreach (var (slot, member) in slots.Zip(group))
            {
                members[slot] = member;
            }
        }
    }

    /// <summary>A JSON string, with characters escaped at random (surrogate pairs as two <c>\u</c> escapes).</summary>
    private string String(string value)
    {
        var builder = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var escape = random.Next(6) == 0;
            if (char.IsHighSurrogate(c))
            {
                // Both halves or neither: a lone raw surrogate would not survive UTF-8 encoding.
                builder.Append(escape ? UnicodeEscape(c) + UnicodeEscape(value[++i]) : value.Substring(i++, 2));
                continue;
            }

            switch (c)
            {
                case '"' or '\\':
                    builder.Append(escape ? UnicodeEscape(c) : "\\" + c);
                    break;
                case '/' when escape:
                    builder.Append(random.Next(2) == 0 ? "\\/" : UnicodeEscape(c));
                    break;
                case '\b' or '\f' or '\n' or '\r' or '\t' when !escape:
                    builder.Append(c switch { '\b' => "\\b", '\f' => "\\f", '\n' => "\\n", '\r' => "\\r", _ => "\\t" });
                    break;
                case < ' ':
                    builder.Append(UnicodeEscape(c));
                    break;
                default:
                    builder.Append(escape ? UnicodeEscape(c) : c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    private string UnicodeEscape(char c)
    {
        var hex = ((int)c).ToString("X4", CultureInfo.InvariantCulture);
        return "\\u" + (random.Next(2) == 0 ? hex : hex.ToLowerInvariant());
    }

    private static string Quote(string text) => "\"" + text + "\"";

    private string Space() => random.Next(4) > 0 ? "" : Whitespace[random.Next(Whitespace.Length)] + (random.Next(2) == 0 ? "" : " ");

    private static bool IsValueMessage(FieldDescriptor field) =>
        field.FieldType == FieldType.Message && field.MessageType.FullName == "google.protobuf.Value";

    private static bool IsNullValueEnum(FieldDescriptor field) =>
        field.FieldType == FieldType.Enum && field.EnumType.FullName == "google.protobuf.NullValue";

    /// <summary>One key and value; members of a group keep their relative order when keys are shuffled.</summary>
    private readonly record struct Member(string Key, string Value, int Group);
}
