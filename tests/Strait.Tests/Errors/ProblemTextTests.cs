using Strait.Errors;

namespace Strait.Tests.Errors;

public sealed class ProblemTextTests
{
    [Fact]
    public void Text_of_the_maximum_length_is_echoed_whole()
    {
        var text = new string('x', ProblemText.MaxLength);

        Assert.Same(text, ProblemText.Bound(text));
    }

    [Fact]
    public void Longer_text_is_cut_to_the_maximum_length_ending_with_an_ellipsis()
    {
        var bounded = ProblemText.Bound(new string('x', ProblemText.MaxLength + 1));

        Assert.Equal(ProblemText.MaxLength, bounded.Length);
        Assert.Equal(new string('x', ProblemText.MaxLength - 1) + "…", bounded);
    }

    [Fact]
    public void The_cut_never_splits_a_surrogate_pair()
    {
        // The pair sits across the cut: its high half would be the last char kept.
        var text = new string('x', ProblemText.MaxLength - 2) + "😀" + new string('y', 10);

        var bounded = ProblemText.Bound(text);

        Assert.Equal(new string('x', ProblemText.MaxLength - 2) + "…", bounded);
    }
}
