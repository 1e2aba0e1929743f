using Strait.Headers;

namespace Strait.Tests.Headers;

/// <summary>
/// Fluent construction of a header mapping for the header tests. It fills the same
/// <see cref="HeaderMappingOptions"/> the configuration file binds to, so both go through one validation.
/// </summary>
/// <example>
/// <code>
/// var options = new HeaderMappingBuilder()
///     .Incoming("Authorization", "authorization", r => r.Required())
///     .Incoming("X-User-Role", "user-role", r => r.Transform("lower").Default("guest"))
///     .Outgoing("x-server-version", "X-Server-Version")
///     .Build();
/// </code>
/// </example>
internal sealed class HeaderMappingBuilder
{
    private readonly HeaderMappingOptions options = new();

    public HeaderMappingBuilder Mode(string mode)
    {
        options.Mode = mode;
        return this;
    }

    public HeaderMappingBuilder Configure(Action<HeaderMappingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(options);
        return this;
    }

    /// <summary>An HTTP request header that becomes metadata.</summary>
    public HeaderMappingBuilder Incoming(string httpHeader, string grpcMetadata, Action<RuleBuilder>? configure = null) =>
        Add(httpHeader, grpcMetadata, HeaderDirections.Incoming, configure);

    /// <summary>Response metadata that become an HTTP response header.</summary>
    public HeaderMappingBuilder Outgoing(string grpcMetadata, string httpHeader, Action<RuleBuilder>? configure = null) =>
        Add(httpHeader, grpcMetadata, HeaderDirections.Outgoing, configure);

    /// <summary>One name pair mapped both ways.</summary>
    public HeaderMappingBuilder Both(string httpHeader, string grpcMetadata, Action<RuleBuilder>? configure = null) =>
        Add(httpHeader, grpcMetadata, HeaderDirections.Both, configure);

    /// <summary>The options as built; compile them with <see cref="HeaderMappingCompiler.TryCompile"/> or set them as <c>StraitOptions.Headers</c>.</summary>
    public HeaderMappingOptions Build() => options;

    private HeaderMappingBuilder Add(string httpHeader, string grpcMetadata, string direction, Action<RuleBuilder>? configure)
    {
        var rule = new HeaderRuleOptions { HttpHeader = httpHeader, GrpcMetadata = grpcMetadata, Direction = direction };
        configure?.Invoke(new RuleBuilder(rule));
        options.Rules.Add(rule);
        return this;
    }

    /// <summary>Settings of one rule.</summary>
    public sealed class RuleBuilder
    {
        private readonly HeaderRuleOptions rule;

        internal RuleBuilder(HeaderRuleOptions rule) => this.rule = rule;

        public RuleBuilder Required()
        {
            rule.Required = true;
            return this;
        }

        public RuleBuilder Default(string value)
        {
            rule.Default = value;
            return this;
        }

        /// <summary>Appends a transform, written as in configuration (<c>mask(4)</c>).</summary>
        public RuleBuilder Transform(string transform)
        {
            rule.Transforms.Add(transform);
            return this;
        }

        public RuleBuilder ToHeader()
        {
            rule.Target = "header";
            return this;
        }

        public RuleBuilder Scope(IEnumerable<string>? routes = null, IEnumerable<string>? services = null, IEnumerable<string>? methods = null)
        {
            rule.Scope = new HeaderRuleScopeOptions { Routes = [.. routes ?? []], Services = [.. services ?? []], Methods = [.. methods ?? []] };
            return this;
        }
    }
}
