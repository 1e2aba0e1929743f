using Strait.Headers;

namespace Strait.Tests.Headers;

public sealed class HeaderTransformTests
{
    private static readonly HeaderTransformRegistry Registry = new();

    [Theory]
    [InlineData("trim", "  a b  ", "a b")]
    [InlineData("lower", "AbC", "abc")]
    [InlineData("upper", "AbC", "ABC")]
    [InlineData("prefix(v-)", "1", "v-1")]
    [InlineData("suffix('.json')", "a", "a.json")]
    [InlineData("remove_prefix(Bearer )", "Bearer x", " x")] // unquoted arguments are trimmed: the prefix is "Bearer"
    [InlineData("remove_prefix('Bearer ')", "Bearer x", "x")]
    [InlineData("remove_prefix(x-)", "y-1", "y-1")]
    [InlineData("remove_suffix(.v1)", "svc.v1", "svc")]
    [InlineData("bearer_token", "Bearer abc123", "abc123")]
    [InlineData("bearer_token", "bearer   abc123 ", "abc123")]
    [InlineData("mask(4)", "4111111111111111", "************1111")]
    [InlineData("mask(4)", "abc", "abc")]
    [InlineData("mask(0)", "abc", "***")]
    [InlineData("truncate(3)", "abcdef", "abc")]
    [InlineData("truncate(10)", "abc", "abc")]
    [InlineData(@"regex_replace('^v(\d+)$', 'version-$1')", "v12", "version-12")]
    [InlineData("regex_replace('a,b', '')", "xa,by", "xy")]
    [InlineData("regex_replace('\\'', '\"')", "it's", "it\"s")]
    [InlineData("base64_encode", "héllo", "aMOpbGxv")]
    [InlineData("base64_decode", "aMOpbGxv", "héllo")]
    [InlineData("unix_to_rfc3339", "1764611575", "2025-12-01T17:52:55Z")]
    [InlineData("unix_to_rfc3339", "-1", "1969-12-31T23:59:59Z")]
    [InlineData("rfc3339_to_unix", "2025-12-01T17:52:55Z", "1764611575")]
    [InlineData("rfc3339_to_unix", "2025-12-01T18:52:55.250+01:00", "1764611575")]
    [InlineData("rfc3339_to_unix", "2025-12-01t17:52:55z", "1764611575")]
    [InlineData("sanitize_user_agent", "curl/8.0\t\t(x)\u0001  \u00e9end  ", "curl/8.0 (x) end")]
    [InlineData("default_if_empty(anonymous)", "", "anonymous")]
    [InlineData("default_if_empty(anonymous)", "  ", "anonymous")]
    [InlineData("default_if_empty(anonymous)", "bob", "bob")]
    public void Transforms_produce_the_documented_value(string transform, string input, string expected)
    {
        var created = Registry.Create(transform);

        Assert.True(created.TryApply(input, out var result, out var error), error);
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData("bearer_token", "Basic dXNlcg==", "not a Bearer credential")]
    [InlineData("bearer_token", "Bearer ", "not a Bearer credential")]
    [InlineData("base64_decode", "***", "not valid base64")]
    [InlineData("base64_decode", "/w==", "does not decode to UTF-8")]
    [InlineData("unix_to_rfc3339", "12.5", "whole seconds")]
    [InlineData("unix_to_rfc3339", "999999999999999", "whole seconds")]
    [InlineData("rfc3339_to_unix", "2025-12-01 17:52:55", "RFC 3339")]
    [InlineData("rfc3339_to_unix", "2025-12-01T17:52:55", "RFC 3339")]
    public void Transforms_reject_values_they_cannot_transform(string transform, string input, string reason)
    {
        var created = Registry.Create(transform);

        Assert.False(created.TryApply(input, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regex_that_runs_past_its_timeout_fails_instead_of_hanging()
    {
        var transform = Registry.Create("regex_replace('^(a+)+$', 'x', 1)");

        Assert.False(transform.TryApply(new string('a', 5000) + "!", out _, out var error));
        Assert.Contains("longer than 1 ms", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope", "unknown transform 'nope'")]
    [InlineData("", "empty")]
    [InlineData("mask", "takes 1 argument(s), got 0")]
    [InlineData("mask(x)", "non-negative whole number")]
    [InlineData("mask(-1)", "non-negative whole number")]
    [InlineData("trim(1)", "takes 0 argument(s), got 1")]
    [InlineData("regex_replace('(', '')", "not a valid regular expression")]
    [InlineData("regex_replace(a)", "takes 2 to 3 argument(s), got 1")]
    [InlineData("regex_replace(a, b, 0)", "timeout of 1 to 10000 milliseconds")]
    [InlineData("prefix('unterminated)", "unterminated quoted argument")]
    [InlineData("prefix('a' b)", "text after a quoted argument")]
    [InlineData("prefix(a", "without a closing ')'")]
    public void Bad_transform_text_is_a_format_error_saying_what_is_wrong(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Registry.Create(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Custom_transforms_registered_in_code_are_usable_by_name()
    {
        var registry = new HeaderTransformRegistry();
        registry.RegisterSimple("reverse", v => new string([.. v.Reverse()]));
        registry.Register("repeat", 1, 1, a => new DelegateHeaderTransform($"repeat({a[0]})", v => string.Concat(Enumerable.Repeat(v, int.Parse(a[0], System.Globalization.CultureInfo.InvariantCulture)))));
        registry.RegisterSimple("only_digits", v => v.All(char.IsAsciiDigit) ? v : null);

        Assert.True(registry.Create("reverse").TryApply("abc", out var reversed, out _));
        Assert.Equal("cba", reversed);
        Assert.True(registry.Create("repeat(3)").TryApply("ab", out var repeated, out _));
        Assert.Equal("ababab", repeated);
        Assert.False(registry.Create("only_digits").TryApply("12a", out _, out var error));
        Assert.Contains("rejected", error, StringComparison.Ordinal);
    }
}
