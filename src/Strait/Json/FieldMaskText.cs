namespace Strait.Json;

/// <summary>
/// Path conversions for <c>google.protobuf.FieldMask</c>, whose JSON form is a comma-joined list of
/// lowerCamel paths while the binary form holds snake_case paths.
/// </summary>
internal static class FieldMaskText
{
    /// <summary>
    /// Converts a JSON path (<c>foo.barBaz</c>) to proto form (<c>foo.bar_baz</c>). In JSON bodies
    /// underscores are rejected because they cannot come from a lowerCamel name; text bindings accept
    /// snake_case paths too. <paramref name="destination"/> needs twice the input length.
    /// </summary>
    public static bool TryToSnakeCase(ReadOnlySpan<byte> camel, bool allowUnderscores, Span<byte> destination, out int written)
    {
        written = 0;
        foreach (var c in camel)
        {
            if (c == '_' && !allowUnderscores)
            {
                return false;
            }

            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                destination[written++] = (byte)'_';
                destination[written++] = (byte)(c | 0x20);
            }
            else
            {
                destination[written++] = c;
            }
        }

        return true;
    }

    /// <summary>
    /// Writes the comma-joined JSON paths of <paramref name="text"/> as <c>FieldMask.paths</c> records (field 1), each in
    /// proto form; empty paths are skipped.
    /// </summary>
    /// <returns>False at the first path <see cref="TryToSnakeCase"/> refuses, with <paramref name="refused"/> its place in <paramref name="text"/>.</returns>
    public static bool TryWritePaths(ReadOnlySpan<byte> text, bool allowUnderscores, ref ProtoBuffer output, out Range refused)
    {
        var pathTag = Varint.MakeTag(1, WireType.LengthDelimited);
        foreach (var range in text.Split((byte)','))
        {
            var path = text[range];
            if (path.IsEmpty)
            {
                continue;
            }

            output.WriteVarint(pathTag);
            var start = output.BeginLengthDelimited();
            if (!TryToSnakeCase(path, allowUnderscores, output.GetSpan(path.Length * 2), out var written))
            {
                refused = range;
                return false;
            }

            output.Advance(written);
            output.EndLengthDelimited(start);
        }

        refused = default;
        return true;
    }

    /// <summary>
    /// Converts a proto path (<c>foo.bar_baz</c>) to JSON form (<c>foo.barBaz</c>), failing for paths that
    /// would not convert back to themselves (upper-case letters, or an underscore not followed by a-z).
    /// </summary>
    public static bool TryToCamelCase(ReadOnlySpan<byte> snake, Span<byte> destination, out int written)
    {
        written = 0;
        for (var i = 0; i < snake.Length; i++)
        {
            var c = snake[i];
            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                return false;
            }

            if (c == '_')
            {
                if (i + 1 >= snake.Length || (uint)(snake[i + 1] - 'a') > 'z' - 'a')
                {
                    return false;
                }

                destination[written++] = (byte)(snake[++i] & ~0x20);
            }
            else
            {
                destination[written++] = c;
            }
        }

        return true;
    }
}
