namespace Strait.Tests.Support;

/// <summary>A clock the test moves by hand; only <see cref="GetUtcNow"/> is faked (the clusters under test run no loops).</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
