namespace Strait.Headers;

/// <summary>The rules of a plan that one request or reply has used, as bits over <see cref="HeaderRule.Index"/>.</summary>
internal ref struct SeenRules
{
    /// <summary>Up to 1,024 rules fit on the stack.</summary>
    public const int MaxStackWords = 16;

    private readonly Span<ulong> words;

    public SeenRules(Span<ulong> words)
    {
        words.Clear();
        this.words = words;
    }

    public readonly void Add(HeaderRule rule) => words[rule.Index >> 6] |= 1UL << (rule.Index & 63);

    public readonly bool Contains(HeaderRule rule) => (words[rule.Index >> 6] & (1UL << (rule.Index & 63))) != 0;
}
