using System.Globalization;

namespace Strait.Tests.Json;

/// <summary>
/// How many random cases the differential and fuzz suites run. The defaults keep CI fast; long runs raise
/// them with <c>STRAIT_CONFORMANCE_CASES</c> (random messages across all differential suites) and
/// <c>STRAIT_FUZZ_CASES</c> (mutated inputs across both fuzz directions). docs/conformance.md has the commands.
/// </summary>
internal static class ConformanceCases
{
    /// <summary>Each suite splits its cases into this many theory rows, so progress and failures show per batch.</summary>
    public const int BatchCount = 20;

    public const int DifferentialSuites = 4;

    public const int FuzzSuites = 2;

    public static TheoryData<int> Batches => [.. Enumerable.Range(0, BatchCount)];

    /// <summary>Random messages per batch of each differential suite.</summary>
    public static int DifferentialPerBatch { get; } = PerBatch("STRAIT_CONFORMANCE_CASES", 4_000, DifferentialSuites);

    /// <summary>Mutated inputs per batch of each fuzz suite.</summary>
    public static int FuzzPerBatch { get; } = PerBatch("STRAIT_FUZZ_CASES", 4_000, FuzzSuites);

    private static int PerBatch(string variable, int defaultTotal, int suites)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        var total = string.IsNullOrEmpty(text) ? defaultTotal : int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return Math.Max(1, (total + (suites * BatchCount) - 1) / (suites * BatchCount));
    }
}
