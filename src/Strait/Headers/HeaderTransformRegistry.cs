using System.Text;

namespace Strait.Headers;

/// <summary>
/// Turns a transform as written in configuration (<c>trim</c>, <c>mask(4)</c>, <c>regex_replace('^v', '')</c>) into a
/// <see cref="HeaderTransform"/>. Holds the built-ins; embedders add their own with <see cref="Register"/> or
/// <see cref="RegisterSimple"/> (through <see cref="Hosting.StraitGatewayOptions.ConfigureTransforms"/>), and header
/// rules then name them in <c>transforms</c> like the built-ins.
/// </summary>
/// <remarks>
/// Arguments are separated by commas; one may be quoted with <c>'</c> or <c>"</c> to hold commas, parentheses or
/// surrounding spaces, and a backslash inside quotes escapes the quote or a backslash.
/// </remarks>
public sealed class HeaderTransformRegistry
{
    private readonly Dictionary<string, Factory> factories = new(StringComparer.Ordinal);

    internal HeaderTransformRegistry() => BuiltInHeaderTransforms.Register(this);

    /// <summary>
    /// Adds a transform taking <paramref name="minArguments"/> to <paramref name="maxArguments"/> arguments. A name
    /// already known, a built-in's included, is replaced.
    /// </summary>
    /// <param name="name">The name rules write, followed by the arguments in parentheses: <c>name(arg, …)</c>.</param>
    /// <param name="minArguments">The fewest arguments it takes.</param>
    /// <param name="maxArguments">The most arguments it takes.</param>
    /// <param name="create">Builds the transform from the arguments as written, once per rule when the configuration
    /// is loaded; it may throw <see cref="FormatException"/> for bad ones, which is then a configuration error naming
    /// the rule.</param>
    public void Register(string name, int minArguments, int maxArguments, Func<IReadOnlyList<string>, HeaderTransform> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentOutOfRangeException.ThrowIfNegative(minArguments);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxArguments, minArguments);
        factories[name] = new Factory(minArguments, maxArguments, create);
    }

    /// <summary>Adds an argument-less transform. A name already known, a built-in's included, is replaced.</summary>
    /// <param name="name">The name rules write.</param>
    /// <param name="apply">Returns the new value, or null when a value cannot be transformed (the transform then fails).
    /// Called on every request the rule applies to, concurrently: it must be thread-safe.</param>
    public void RegisterSimple(string name, Func<string, string?> apply) =>
        Register(name, 0, 0, _ => new DelegateHeaderTransform(name, apply));

    /// <summary>Parses and builds one transform.</summary>
    /// <exception cref="FormatException">Unknown name, wrong argument count or bad arguments; the message says which.</exception>
    internal HeaderTransform Create(string text)
    {
        var (name, arguments) = Parse(text);
        if (!factories.TryGetValue(name, out var factory))
        {
            throw new FormatException($"unknown transform '{name}' (known: {string.Join(", ", factories.Keys.Order(StringComparer.Ordinal))})");
        }

        if (arguments.Count < factory.MinArguments || arguments.Count > factory.MaxArguments)
        {
            var expected = factory.MinArguments == factory.MaxArguments
                ? factory.MinArguments.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : $"{factory.MinArguments} to {factory.MaxArguments}";
            throw new FormatException($"transform '{name}' takes {expected} argument(s), got {arguments.Count}");
        }

        return factory.Create(arguments);
    }

    private static (string Name, List<string> Arguments) Parse(string text)
    {
        var trimmed = (text ?? string.Empty).Trim();
        var open = trimmed.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            if (trimmed.Length == 0)
            {
                throw new FormatException("a transform is empty");
            }

            return (trimmed, []);
        }

        if (!trimmed.EndsWith(')'))
        {
            throw new FormatException($"transform '{trimmed}' has an argument list without a closing ')'");
        }

        var name = trimmed[..open].Trim();
        var body = trimmed[(open + 1)..^1];
        var arguments = new List<string>();
        if (body.Trim().Length == 0)
        {
            return (name, arguments);
        }

        var current = new StringBuilder();
        var i = 0;
        while (true)
        {
            while (i < body.Length && body[i] == ' ')
            {
                i++;
            }

            if (i < body.Length && body[i] is '\'' or '"')
            {
                var quote = body[i++];
                var closed = false;
                while (i < body.Length)
                {
                    var c = body[i++];
                    if (c == '\\' && i < body.Length && (body[i] == quote || body[i] == '\\'))
                    {
                        current.Append(body[i++]);
                    }
                    else if (c == quote)
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        current.Append(c);
                    }
                }

                if (!closed)
                {
                    throw new FormatException($"transform '{trimmed}' has an unterminated quoted argument");
                }

                while (i < body.Length && body[i] == ' ')
                {
                    i++;
                }

                if (i < body.Length && body[i] != ',')
                {
                    throw new FormatException($"transform '{trimmed}' has text after a quoted argument");
                }
            }
            else
            {
                var comma = body.IndexOf(',', i);
                var end = comma < 0 ? body.Length : comma;
                current.Append(body.AsSpan(i, end - i).Trim());
                i = end;
            }

            arguments.Add(current.ToString());
            current.Clear();
            if (i >= body.Length)
            {
                return (name, arguments);
            }

            i++; // the comma
        }
    }

    private sealed record Factory(int MinArguments, int MaxArguments, Func<IReadOnlyList<string>, HeaderTransform> Create);
}
