using Strait.Routing;

namespace Strait.Headers;

/// <summary>A validated, compiled mapping rule of one direction.</summary>
internal sealed class HeaderRule
{
    private readonly HeaderTransform[] transforms;

    internal HeaderRule(
        int index,
        string httpHeader,
        string metadataKey,
        bool required,
        string? defaultValue,
        HeaderTransform[] transforms,
        OutgoingTarget target,
        HeaderRuleScope scope)
    {
        Index = index;
        HttpHeader = httpHeader;
        MetadataKey = metadataKey;
        IsBinary = Wire.GrpcMetadata.IsBinaryKey(metadataKey);
        Required = required;
        Default = defaultValue;
        this.transforms = transforms;
        Target = target;
        Scope = scope;
        Label = $"headers.rules[{index}] ({httpHeader} ⇄ {metadataKey})";
    }

    /// <summary>Position in <c>headers.rules</c>, or in the fluent builder's order.</summary>
    public int Index { get; }

    public string HttpHeader { get; }

    public string MetadataKey { get; }

    public bool IsBinary { get; }

    public bool Required { get; }

    public string? Default { get; }

    public IReadOnlyList<HeaderTransform> Transforms => transforms;

    /// <summary>Outgoing: whether the value goes out as a header, a trailer, or as what it arrived as.</summary>
    public OutgoingTarget Target { get; }

    public HeaderRuleScope Scope { get; }

    /// <summary>Names the rule in logs, metrics and problems.</summary>
    public string Label { get; }

    /// <summary>Runs the transform chain; false with the failing transform's reason.</summary>
    public bool TryTransform(string value, out string result, out string? error)
    {
        result = value;
        error = null;
        foreach (var transform in transforms)
        {
            string? reason;
            try
            {
                if (transform.TryApply(result, out result, out reason))
                {
                    continue;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A custom transform that throws is a value it cannot transform, not a failure of the gateway.
                reason = e.Message;
            }

            error = $"transform '{transform.Name}' failed: {reason}";
            return false;
        }

        return true;
    }

    public bool AppliesTo(HttpRoute route) => Scope.Matches(route);
}

/// <summary>Where an outgoing rule delivers its value.</summary>
internal enum OutgoingTarget
{
    /// <summary>Response header metadata become headers, trailer metadata trailers.</summary>
    Source,

    /// <summary>Always a response header, even for a trailer (a <c>processing-time</c> computed at the end, say).</summary>
    Header,

    /// <summary>Always a trailer (or, for clients that cannot take trailers, a prefixed header).</summary>
    Trailer,
}

/// <summary>Where a rule applies: any matching route, service or method pattern; an empty scope is everywhere.</summary>
internal sealed class HeaderRuleScope
{
    public static readonly HeaderRuleScope Everywhere = new([], [], []);

    private readonly string[] routes;
    private readonly string[] services;
    private readonly string[] methods;

    public HeaderRuleScope(IReadOnlyList<string> routes, IReadOnlyList<string> services, IReadOnlyList<string> methods)
    {
        this.routes = [.. routes];
        this.services = [.. services];
        this.methods = [.. methods];
    }

    public bool IsEverywhere => routes.Length == 0 && services.Length == 0 && methods.Length == 0;

    public bool Matches(HttpRoute route)
    {
        if (IsEverywhere)
        {
            return true;
        }

        var template = route.Template.ToString();
        foreach (var pattern in routes)
        {
            if (template.Equals(pattern, StringComparison.Ordinal) || IsPathPrefix(template, pattern))
            {
                return true;
            }
        }

        foreach (var pattern in services)
        {
            if (Glob.Matches(pattern, route.Method.Service.FullName))
            {
                return true;
            }
        }

        foreach (var pattern in methods)
        {
            if (Glob.Matches(pattern, route.Method.FullName))
            {
                return true;
            }
        }

        return false;
    }

    // "/v1/users" covers "/v1/users", "/v1/users/{id}" and "/v1/users:search", not "/v1/usersettings".
    private static bool IsPathPrefix(string template, string prefix) =>
        template.StartsWith(prefix, StringComparison.Ordinal)
        && (template.Length == prefix.Length || prefix.EndsWith('/') || template[prefix.Length] is '/' or ':');
}

/// <summary><c>*</c>-only wildcard matching for service and method names.</summary>
internal static class Glob
{
    public static bool Matches(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
