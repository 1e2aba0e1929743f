using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Strait.Headers;

/// <summary>What happened to a rule on one request or reply.</summary>
internal enum HeaderRuleOutcome
{
    /// <summary>The header (or metadata) was present and crossed.</summary>
    Mapped,

    /// <summary>It was absent and the rule's default crossed instead.</summary>
    Defaulted,

    /// <summary>It was absent and the rule requires it.</summary>
    Missing,

    /// <summary>It was present but invalid or a transform failed.</summary>
    Rejected,
}

/// <summary>
/// Per-rule counters on the <c>Strait.Headers</c> meter (instrument <c>strait.header_rule.events</c>, tags
/// <c>rule</c>, <c>direction</c> and <c>outcome</c>), for whatever metrics exporter the host wires up.
/// </summary>
internal sealed class HeaderRuleCounters
{
    public const string MeterName = "Strait.Headers";
    public const string InstrumentName = "strait.header_rule.events";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Events = Meter.CreateCounter<long>(InstrumentName, description: "Header mapping rule outcomes");
    private static readonly string[] OutcomeNames = ["mapped", "defaulted", "missing", "rejected"];

    public void Record(HeaderRule rule, bool incoming, HeaderRuleOutcome outcome)
    {
        if (Events.Enabled)
        {
            RecordMeasured(rule, incoming, outcome);
        }
    }

    // Apart from Record so that the request path, with no listener attached, does not zero a TagList per call.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void RecordMeasured(HeaderRule rule, bool incoming, HeaderRuleOutcome outcome)
    {
        var tags = new TagList
        {
            { "rule", rule.Label },
            { "direction", incoming ? "incoming" : "outgoing" },
            { "outcome", OutcomeNames[(int)outcome] },
        };
        Events.Add(1, tags);
    }
}
