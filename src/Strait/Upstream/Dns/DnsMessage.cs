using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;

namespace Strait.Upstream.Dns;

/// <summary>The record types the resolver asks for or follows (RFC 1035 §3.2.2, RFC 3596, RFC 6891).</summary>
internal static class DnsRecordType
{
    public const ushort A = 1;
    public const ushort Cname = 5;
    public const ushort Aaaa = 28;
    public const ushort Opt = 41;

    public static string Name(ushort type) => type switch
    {
        A => "A",
        Cname => "CNAME",
        Aaaa => "AAAA",
        Opt => "OPT",
        _ => "TYPE" + type.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>RFC 1035 §4.1.1 RCODEs, plus the EDNS extended ones (RFC 6891 §6.1.3) folded into the same number.</summary>
internal static class DnsResponseCode
{
    public const int NoError = 0;
    public const int FormatError = 1;
    public const int ServerFailure = 2;
    public const int NameError = 3;
    public const int NotImplemented = 4;
    public const int Refused = 5;

    public static string Name(int code) => code switch
    {
        NoError => "NOERROR",
        FormatError => "FORMERR",
        ServerFailure => "SERVFAIL",
        NameError => "NXDOMAIN",
        NotImplemented => "NOTIMP",
        Refused => "REFUSED",
        16 => "BADVERS",
        _ => "RCODE" + code.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// One answer-section record of class IN. <see cref="Name"/> and <see cref="Target"/> are in presentation form
/// without the trailing dot, with <c>\.</c>, <c>\\</c> and <c>\DDD</c> escapes for bytes that are not plain.
/// </summary>
internal readonly record struct DnsRecord(string Name, ushort Type, uint TimeToLive, IPAddress? Address, string? Target);

/// <summary>A parsed reply. When <see cref="IsTruncated"/> only the header and question were read.</summary>
internal sealed class DnsResponse
{
    public required ushort Id { get; init; }

    public required bool IsTruncated { get; init; }

    /// <summary>The header RCODE with the EDNS extended bits above it.</summary>
    public required int ResponseCode { get; init; }

    public required bool HasQuestion { get; init; }

    public required string QuestionName { get; init; }

    public required ushort QuestionType { get; init; }

    public required ushort QuestionClass { get; init; }

    public required IReadOnlyList<DnsRecord> Answers { get; init; }

    /// <summary>Whether this is the reply to the query with <paramref name="id"/> for <paramref name="name"/> and <paramref name="type"/>.</summary>
    public bool IsReplyTo(ushort id, string name, ushort type) =>
        Id == id && HasQuestion && QuestionType == type && QuestionClass == DnsMessage.ClassInternet && DnsHostName.Equal(QuestionName, name);
}

/// <summary>A reply that does not follow RFC 1035: cut short, a bad compression pointer, a record that overruns.</summary>
internal sealed class DnsFormatException : Exception
{
    public DnsFormatException()
        : this("malformed DNS message")
    {
    }

    public DnsFormatException(string message)
        : base(message)
    {
    }

    public DnsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Where following CNAMEs through one answer section ended.</summary>
/// <param name="Addresses">The A or AAAA addresses of <paramref name="FinalName"/>, empty when the answer had none.</param>
/// <param name="FinalName">The last name of the chain: the queried name when there was no CNAME.</param>
/// <param name="Hops">CNAMEs followed.</param>
internal readonly record struct DnsChainEnd(List<IPAddress> Addresses, string FinalName, int Hops);

/// <summary>RFC 1035 §4 messages: queries out, replies in. Parsing only ever throws <see cref="DnsFormatException"/>.</summary>
internal static class DnsMessage
{
    public const int HeaderLength = 12;
    public const ushort ClassInternet = 1;

    /// <summary>The UDP payload size advertised in the OPT record: RFC 6891 §6.2.5's suggestion, and what the reply buffer holds.</summary>
    public const ushort EdnsPayloadSize = 4096;

    private const int MaxNameWireLength = 255;
    private const ushort FlagResponse = 0x8000;
    private const ushort FlagTruncated = 0x0200;
    private const ushort FlagRecursionDesired = 0x0100;
    private const int OptRecordLength = 11;

    /// <summary>A standard query with RD set and, when <paramref name="edns"/>, an OPT record advertising <see cref="EdnsPayloadSize"/>.</summary>
    /// <param name="name">A name accepted by <see cref="DnsHostName.TryNormalize"/>.</param>
    public static byte[] EncodeQuery(ushort id, string name, ushort type, bool edns)
    {
        var labels = name.Split('.');
        var nameLength = 1;
        foreach (var label in labels)
        {
            nameLength += 1 + label.Length;
        }

        var message = new byte[HeaderLength + nameLength + 4 + (edns ? OptRecordLength : 0)];
        var span = message.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], FlagRecursionDesired);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], edns ? (ushort)1 : (ushort)0);
        var position = HeaderLength;
        foreach (var label in labels)
        {
            span[position++] = (byte)label.Length;
            position += Encoding.ASCII.GetBytes(label, span[position..]);
        }

        span[position++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[position..], type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(position + 2)..], ClassInternet);
        position += 4;
        if (edns)
        {
            // Root owner, type OPT, CLASS = payload size, TTL = extended RCODE 0, version 0, no DO bit; no options.
            span[position] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(span[(position + 1)..], DnsRecordType.Opt);
            BinaryPrimitives.WriteUInt16BigEndian(span[(position + 3)..], EdnsPayloadSize);
        }

        return message;
    }

    /// <summary>The id of anything at least two bytes long, so replies to other queries can be dropped unparsed.</summary>
    public static bool TryReadId(ReadOnlySpan<byte> message, out ushort id)
    {
        id = message.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(message) : (ushort)0;
        return message.Length >= 2;
    }

    public static DnsResponse Parse(ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderLength)
        {
            throw new DnsFormatException($"{message.Length} bytes is shorter than the {HeaderLength}-byte header");
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(message);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        var authorities = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        var additionals = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if ((flags & FlagResponse) == 0)
        {
            throw new DnsFormatException("the QR bit is clear: a query, not a reply");
        }

        if (((flags >> 11) & 0xF) != 0)
        {
            throw new DnsFormatException($"opcode {(flags >> 11) & 0xF} in a reply to a standard query");
        }

        if (questions > 1)
        {
            throw new DnsFormatException($"{questions} questions in a reply to one");
        }

        var position = HeaderLength;
        string questionName = string.Empty;
        ushort questionType = 0, questionClass = 0;
        if (questions == 1)
        {
            questionName = ReadName(message, ref position);
            questionType = ReadUInt16(message, ref position);
            questionClass = ReadUInt16(message, ref position);
        }

        var responseCode = flags & 0xF;
        var truncated = (flags & FlagTruncated) != 0;
        var records = new List<DnsRecord>(truncated ? 0 : answers);
        if (!truncated)
        {
            // The sections after a truncation point may be cut anywhere; the caller retries over TCP instead.
            for (var i = 0; i < answers; i++)
            {
                if (ReadRecord(message, ref position, out var optTtl) is { } record)
                {
                    records.Add(record);
                }
                else if (optTtl.HasValue)
                {
                    throw new DnsFormatException("an OPT record in the answer section");
                }
            }

            for (var i = 0; i < authorities; i++)
            {
                ReadRecord(message, ref position, out _);
            }

            var sawOpt = false;
            for (var i = 0; i < additionals; i++)
            {
                ReadRecord(message, ref position, out var optTtl);
                if (optTtl is { } ttl)
                {
                    if (sawOpt)
                    {
                        throw new DnsFormatException("more than one OPT record");
                    }

                    sawOpt = true;
                    responseCode |= (int)(ttl >> 24) << 4;
                }
            }
        }

        return new DnsResponse
        {
            Id = id,
            IsTruncated = truncated,
            ResponseCode = responseCode,
            HasQuestion = questions == 1,
            QuestionName = questionName,
            QuestionType = questionType,
            QuestionClass = questionClass,
            Answers = records,
        };
    }

    /// <summary>
    /// Follows CNAMEs from <paramref name="name"/> through <paramref name="answers"/> until a name with
    /// <paramref name="type"/> records, a name with neither, or more than <paramref name="maxHops"/> CNAMEs (a loop).
    /// </summary>
    /// <returns><see langword="false"/> when the chain is longer than <paramref name="maxHops"/>.</returns>
    public static bool TryFollowChain(IReadOnlyList<DnsRecord> answers, string name, ushort type, int maxHops, out DnsChainEnd end)
    {
        var current = name;
        for (var hops = 0; ; hops++)
        {
            var addresses = new List<IPAddress>();
            string? target = null;
            foreach (var record in answers)
            {
                if (!DnsHostName.Equal(record.Name, current))
                {
                    continue;
                }

                if (record.Type == type && record.Address is { } address)
                {
                    addresses.Add(address);
                }
                else if (record.Type == DnsRecordType.Cname)
                {
                    target ??= record.Target;
                }
            }

            // A name that owns a CNAME has no other data (RFC 1034 §3.6.2), so addresses win if a server sends both.
            if (addresses.Count > 0 || target is null)
            {
                end = new DnsChainEnd(addresses, current, hops);
                return true;
            }

            if (hops == maxHops)
            {
                end = new DnsChainEnd(addresses, current, hops);
                return false;
            }

            current = target;
        }
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> message, ref int position)
    {
        if (position > message.Length - 2)
        {
            throw new DnsFormatException($"message ends at byte {message.Length} inside a field at {position}");
        }

        var value = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
        position += 2;
        return value;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> message, ref int position)
    {
        if (position > message.Length - 4)
        {
            throw new DnsFormatException($"message ends at byte {message.Length} inside a field at {position}");
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(message[position..]);
        position += 4;
        return value;
    }

    /// <summary>Reads any record; returns the IN A/AAAA/CNAME ones, and reports an OPT record's TTL (its extended RCODE and version).</summary>
    private static DnsRecord? ReadRecord(ReadOnlySpan<byte> message, ref int position, out uint? optTtl)
    {
        var name = ReadName(message, ref position);
        var type = ReadUInt16(message, ref position);
        var recordClass = ReadUInt16(message, ref position);
        var ttl = ReadUInt32(message, ref position);
        var length = ReadUInt16(message, ref position);
        if (length > message.Length - position)
        {
            throw new DnsFormatException($"{DnsRecordType.Name(type)} record data of {length} bytes at {position} runs past the end ({message.Length})");
        }

        var dataStart = position;
        position += length;
        optTtl = type == DnsRecordType.Opt ? ttl : null;
        if (recordClass != ClassInternet)
        {
            return null;
        }

        switch (type)
        {
            case DnsRecordType.A or DnsRecordType.Aaaa:
                var expected = type == DnsRecordType.A ? 4 : 16;
                if (length != expected)
                {
                    throw new DnsFormatException($"{DnsRecordType.Name(type)} record for {name} has {length} data bytes, not {expected}");
                }

                return new DnsRecord(name, type, ttl, new IPAddress(message.Slice(dataStart, length)), null);
            case DnsRecordType.Cname:
                var targetEnd = dataStart;
                var target = ReadName(message[..position], ref targetEnd);
                if (targetEnd != position)
                {
                    throw new DnsFormatException($"CNAME record for {name} has {position - targetEnd} bytes after its target");
                }

                return new DnsRecord(name, type, ttl, null, target);
            default:
                return null;
        }
    }

    /// <summary>
    /// Reads a possibly compressed name (RFC 1035 §4.1.4). Each pointer must land before the start of the labels being
    /// read when it is met, so every jump goes strictly backwards and loops cannot exist.
    /// </summary>
    private static string ReadName(ReadOnlySpan<byte> message, ref int position)
    {
        var name = new StringBuilder();
        var cursor = position;
        var runStart = position;
        var wireLength = 1;
        var jumped = false;
        while (true)
        {
            if (cursor >= message.Length)
            {
                throw new DnsFormatException($"name at {position} runs past the end ({message.Length})");
            }

            var length = message[cursor];
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (cursor + 1 >= message.Length)
                    {
                        throw new DnsFormatException($"compression pointer at {cursor} is cut off");
                    }

                    var target = ((length & 0x3F) << 8) | message[cursor + 1];
                    if (target >= runStart)
                    {
                        throw new DnsFormatException($"compression pointer at {cursor} to {target} does not point before {runStart} (a loop or forward reference)");
                    }

                    if (!jumped)
                    {
                        position = cursor + 2;
                        jumped = true;
                    }

                    cursor = runStart = target;
                    continue;
                case 0x00 when length == 0:
                    if (!jumped)
                    {
                        position = cursor + 1;
                    }

                    return name.ToString();
                case 0x00:
                    wireLength += 1 + length;
                    if (wireLength > MaxNameWireLength)
                    {
                        throw new DnsFormatException($"name at {position} is longer than {MaxNameWireLength} bytes");
                    }

                    if (cursor + 1 + length > message.Length)
                    {
                        throw new DnsFormatException($"label at {cursor} of {length} bytes runs past the end ({message.Length})");
                    }

                    if (name.Length > 0)
                    {
                        name.Append('.');
                    }

                    AppendLabel(name, message.Slice(cursor + 1, length));
                    cursor += 1 + length;
                    continue;
                default:
                    throw new DnsFormatException($"label type 0x{length & 0xC0:x2} at {cursor} is not a length or a pointer");
            }
        }
    }

    // Escaped so a label holding a '.' cannot pass for two labels when names are compared.
    private static void AppendLabel(StringBuilder name, ReadOnlySpan<byte> label)
    {
        foreach (var b in label)
        {
            if (b is (byte)'.' or (byte)'\\')
            {
                name.Append('\\').Append((char)b);
            }
            else if (b is > 0x20 and < 0x7F)
            {
                name.Append((char)b);
            }
            else
            {
                name.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
        }
    }
}

/// <summary>Host name checks shared by the resolvers.</summary>
internal static class DnsHostName
{
    private const int MaxNameWireLength = 255;
    private const int MaxLabelLength = 63;

    /// <summary>
    /// An IP literal: IPv6 with or without brackets, IPv4 only in dotted-quad form, because IPAddress.TryParse also reads
    /// <c>10.1</c> or <c>1234</c> as addresses and those are (odd) host names.
    /// </summary>
    public static bool TryParseAddressLiteral(string host, [NotNullWhen(true)] out IPAddress? address)
    {
        var text = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(text, out address)
            && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? text.Contains(':', StringComparison.Ordinal) : address.ToString() == text))
        {
            return true;
        }

        address = null;
        return false;
    }

    /// <summary>
    /// Drops one trailing dot and checks the name can be sent as is: labels of 1 to 63 printable ASCII characters
    /// other than '\', at most 255 bytes on the wire.
    /// </summary>
    public static bool TryNormalize(string host, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out string? error)
    {
        name = null;
        var text = host.EndsWith('.') ? host[..^1] : host;
        if (text.Length == 0)
        {
            error = $"'{host}' is not a host name";
            return false;
        }

        if (text.Length + 2 > MaxNameWireLength)
        {
            error = $"host name '{host}' is longer than {MaxNameWireLength - 2} characters";
            return false;
        }

        var labelStart = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == '.')
            {
                var labelLength = i - labelStart;
                if (labelLength is 0 or > MaxLabelLength)
                {
                    error = $"host name '{host}' has a label of {labelLength} characters (1 to {MaxLabelLength} allowed)";
                    return false;
                }

                labelStart = i + 1;
            }
            else if (text[i] is <= ' ' or >= '\x7F' or '\\')
            {
                error = $"host name '{host}' has the character '{text[i]}' (only printable ASCII is sent)";
                return false;
            }
        }

        name = text;
        error = null;
        return true;
    }

    /// <summary>DNS names compare ASCII case-insensitively (RFC 4343); escapes are digits, so they compare exactly.</summary>
    public static bool Equal(string left, string right) => string.Equals(left, right, StringComparison.OrdinalIgnoreCase);
}
