using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Strait.Headers;

/// <summary>The transforms every snapshot knows by name; docs/header-mapping.md lists them with examples.</summary>
internal static class BuiltInHeaderTransforms
{
    public static readonly TimeSpan DefaultRegexTimeout = TimeSpan.FromMilliseconds(100);
    private const int MaxUserAgentLength = 256;

    public static void Register(HeaderTransformRegistry registry)
    {
        registry.Register("trim", 0, 0, _ => Pure("trim", v => v.Trim()));
        registry.Register("lower", 0, 0, _ => Pure("lower", v => v.ToLowerInvariant()));
        registry.Register("upper", 0, 0, _ => Pure("upper", v => v.ToUpperInvariant()));
        registry.Register("prefix", 1, 1, a => Pure($"prefix({a[0]})", v => a[0] + v));
        registry.Register("suffix", 1, 1, a => Pure($"suffix({a[0]})", v => v + a[0]));
        registry.Register("remove_prefix", 1, 1, a => Pure($"remove_prefix({a[0]})", v => v.StartsWith(a[0], StringComparison.Ordinal) ? v[a[0].Length..] : v));
        registry.Register("remove_suffix", 1, 1, a => Pure($"remove_suffix({a[0]})", v => v.EndsWith(a[0], StringComparison.Ordinal) ? v[..^a[0].Length] : v));
        registry.Register("bearer_token", 0, 0, _ => new BearerToken());
        registry.Register("mask", 1, 1, a => new Mask(Count("mask", a[0])));
        registry.Register("truncate", 1, 1, a => new Truncate(Count("truncate", a[0])));
        registry.Register("regex_replace", 2, 3, a => new RegexReplace(a[0], a[1], a.Count > 2 ? Milliseconds(a[2]) : DefaultRegexTimeout));
        registry.Register("base64_encode", 0, 0, _ => Pure("base64_encode", v => Convert.ToBase64String(Encoding.UTF8.GetBytes(v))));
        registry.Register("base64_decode", 0, 0, _ => new Base64Decode());
        registry.Register("unix_to_rfc3339", 0, 0, _ => new UnixToRfc3339());
        registry.Register("rfc3339_to_unix", 0, 0, _ => new Rfc3339ToUnix());
        registry.Register("sanitize_user_agent", 0, 0, _ => new SanitizeUserAgent());
        registry.Register("default_if_empty", 1, 1, a => Pure($"default_if_empty({a[0]})", v => string.IsNullOrWhiteSpace(v) ? a[0] : v));
    }

    private static HeaderTransform Pure(string name, Func<string, string> apply) => new DelegateHeaderTransform(name, apply);

    private static int Count(string transform, string argument) =>
        int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 0
            ? count
            : throw new FormatException($"{transform}() takes a non-negative whole number, not '{argument}'");

    private static TimeSpan Milliseconds(string argument) =>
        int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is > 0 and <= 10_000
            ? TimeSpan.FromMilliseconds(ms)
            : throw new FormatException($"regex_replace() takes a timeout of 1 to 10000 milliseconds, not '{argument}'");

    private sealed class BearerToken() : HeaderTransform("bearer_token")
    {
        public override bool TryApply(string value, out string result, out string? error)
        {
            var trimmed = value.AsSpan().Trim();
            if (trimmed.Length > 7 && trimmed[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase) && !trimmed[7..].Trim().IsEmpty)
            {
                result = trimmed[7..].Trim().ToString();
                error = null;
                return true;
            }

            result = string.Empty;
            error = "not a Bearer credential";
            return false;
        }
    }

    /// <summary>Keeps the last n characters and stars the rest, so logs and backends can tell values apart without seeing them.</summary>
    private sealed class Mask(int visible) : HeaderTransform($"mask({visible})")
    {
        public override bool TryApply(string value, out string result, out string? error)
        {
            error = null;
            var hidden = Math.Max(0, value.Length - visible);
            result = hidden == 0 ? value : string.Create(value.Length, (value, hidden), static (span, state) =>
            {
                span[..state.hidden].Fill('*');
                state.value.AsSpan(state.hidden).CopyTo(span[state.hidden..]);
            });
            return true;
        }
    }

    private sealed class Truncate(int length) : HeaderTransform($"truncate({length})")
    {
        public override bool TryApply(string value, out string result, out string? error)
        {
            error = null;
            result = value.Length <= length ? value : value[..length];
            return true;
        }
    }

    private sealed class RegexReplace : HeaderTransform
    {
        private readonly Regex regex;
        private readonly string replacement;

        public RegexReplace(string pattern, string replacement, TimeSpan timeout)
            : base($"regex_replace({pattern}, {replacement})")
        {
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, timeout);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"regex_replace() pattern '{pattern}' is not a valid regular expression: {e.Message}", e);
            }

            this.replacement = replacement;
        }

        public override bool TryApply(string value, out string result, out string? error)
        {
            try
            {
                result = regex.Replace(value, replacement);
                error = null;
                return true;
            }
            catch (RegexMatchTimeoutException)
            {
                result = string.Empty;
                error = $"regex_replace() took longer than {regex.MatchTimeout.TotalMilliseconds:0} ms";
                return false;
            }
        }
    }

    private sealed class Base64Decode() : HeaderTransform("base64_decode")
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public override bool TryApply(string value, out string result, out string? error)
        {
            result = string.Empty;
            var bytes = new byte[((value.Length + 3) / 4) * 3];
            if (!Convert.TryFromBase64String(value.Trim(), bytes, out var written))
            {
                error = "not valid base64";
                return false;
            }

            try
            {
                result = StrictUtf8.GetString(bytes, 0, written);
                error = null;
                return true;
            }
            catch (DecoderFallbackException)
            {
                error = "base64 that does not decode to UTF-8 text (use a -bin metadata key for binary values)";
                return false;
            }
        }
    }

    private sealed class UnixToRfc3339() : HeaderTransform("unix_to_rfc3339")
    {
        public override bool TryApply(string value, out string result, out string? error)
        {
            result = string.Empty;
            if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
                || seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds()
                || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                error = "not a Unix time in whole seconds between years 0001 and 9999";
                return false;
            }

            result = DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            error = null;
            return true;
        }
    }

    private sealed class Rfc3339ToUnix() : HeaderTransform("rfc3339_to_unix")
    {
        private static readonly string[] Formats =
        [
            "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd't'HH:mm:ssK", "yyyy-MM-dd't'HH:mm:ss.FFFFFFFK",
        ];

        public override bool TryApply(string value, out string result, out string? error)
        {
            // RFC 3339 allows a lower-case 'z'; .NET's K specifier reads only 'Z'.
            var text = value.Trim();
            if (text.EndsWith('z'))
            {
                text = text[..^1] + "Z";
            }

            if (!DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                || !(text.EndsWith('Z') || text.Length > 6 && text[^6] is '+' or '-'))
            {
                result = string.Empty;
                error = "not an RFC 3339 date-time with a zone (2026-12-01T17:52:55Z)";
                return false;
            }

            result = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            error = null;
            return true;
        }
    }

    /// <summary>Keeps a User-Agent loggable and forwardable: printable ASCII only, runs of spaces collapsed, bounded length.</summary>
    private sealed class SanitizeUserAgent() : HeaderTransform("sanitize_user_agent")
    {
        public override bool TryApply(string value, out string result, out string? error)
        {
            var builder = new StringBuilder(Math.Min(value.Length, MaxUserAgentLength));
            var lastWasSpace = true;
            foreach (var c in value)
            {
                if (builder.Length == MaxUserAgentLength)
                {
                    break;
                }

                var isSpace = c is ' ' or '\t';
                if (isSpace ? lastWasSpace : c is < '!' or > '~')
                {
                    continue;
                }

                builder.Append(isSpace ? ' ' : c);
                lastWasSpace = isSpace;
            }

            result = builder.ToString().TrimEnd();
            error = null;
            return true;
        }
    }
}
